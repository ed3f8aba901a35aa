#include "ui/AlarmPanel.h"

#include "pipeline/EventLog.h"

#include <QDateTime>
#include <QHeaderView>
#include <QTableWidget>
#include <QTimeZone>
#include <QVBoxLayout>

namespace vibra::ui {

AlarmPanel::AlarmPanel(const pipeline::EventLog& log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_table(new QTableWidget(0, 4, this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);
    m_table->setHorizontalHeaderLabels({tr("Time (UTC)"), tr("Device"), tr("Metric"), tr("Event")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
}

bool AlarmPanel::refresh() {
    const auto batch = m_log.since(m_lastSeq);
    m_lastSeq = batch.last;
    bool changed = false;
    for (const auto& e : batch.entries) {
        if (e.event->kind != "alarm")
            continue;
        m_events.push_back(e.event);
        if (e.event->state == "raised")
            ++m_raised;
        changed = true;
    }
    while (m_events.size() > static_cast<std::size_t>(kMaxRows))
        m_events.pop_front();
    if (changed) {
        rebuild();
        emit alarmsChanged(static_cast<int>(m_raised));
    }
    return changed;
}

void AlarmPanel::rebuild() {
    m_table->setRowCount(static_cast<int>(m_events.size()));
    for (int r = 0; r < static_cast<int>(m_events.size()); ++r) {
        const auto& e = *m_events[m_events.size() - 1 - static_cast<std::size_t>(r)];
        const QString metric =
            QString::fromStdString(e.metric) +
            (e.axisName.empty() ? QString() : QStringLiteral(" ") + QString::fromStdString(e.axisName));
        const QStringList cells{
            QDateTime::fromMSecsSinceEpoch(e.tNs / 1'000'000, QTimeZone::utc()).toString(Qt::ISODate),
            QString::fromStdString(e.deviceId), metric, QString::fromStdString(e.detail)};
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
