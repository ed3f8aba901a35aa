#include "ui/AlarmPanel.h"

#include "ui/AlarmMonitor.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QTimeZone>
#include <QVBoxLayout>

namespace vibra::ui {

AlarmPanel::AlarmPanel(const AlarmMonitor& monitor, QWidget* parent)
    : QWidget(parent)
    , m_monitor(monitor)
    , m_table(new QTableWidget(0, 4, this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);
    m_table->setHorizontalHeaderLabels({tr("Time (UTC)"), tr("Device"), tr("Metric"), tr("Value")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
}

void AlarmPanel::refresh() {
    const auto& alarms = m_monitor.alarms();
    m_table->setRowCount(static_cast<int>(alarms.size()));
    for (int r = 0; r < static_cast<int>(alarms.size()); ++r) {
        const auto& a = alarms[alarms.size() - 1 - r];
        const QStringList cells{
            QDateTime::fromMSecsSinceEpoch(a.tNs / 1'000'000, QTimeZone::utc()).toString(Qt::ISODate),
            a.device, a.metric, a.text};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = m_table->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(r, c, item);
            }
            item->setText(cells[c]);
        }
    }
}

int AlarmPanel::rowCount() const {
    return m_table->rowCount();
}

QString AlarmPanel::cellText(int row, int column) const {
    auto* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

} // namespace vibra::ui
