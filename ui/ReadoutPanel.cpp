#include "ui/ReadoutPanel.h"

#include "ui/AxisColors.h"
#include "ui/ZoneColors.h"

#include <QLabel>
#include <cmath>

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vibra::ui {

ReadoutPanel::ReadoutPanel(QWidget* parent)
    : QWidget(parent)
    , m_table(new QTableWidget(0, 7, this))
    , m_zone(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_zone);
    layout->addWidget(m_table);
    layout->addStretch(1);
    m_zone->setObjectName(QStringLiteral("zone"));
    m_zone->setContentsMargins(6, 2, 6, 2);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->horizontalHeader()->setMinimumSectionSize(
        m_table->fontMetrics().horizontalAdvance(QStringLiteral("00.0000")));
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setRows(3);
}

void ReadoutPanel::setRows(int rows) {
    // Tall enough for every axis: the dock that holds the panel cannot squeeze a row out of view.
    m_table->setRowCount(rows);
    const int h = m_table->horizontalHeader()->sizeHint().height() +
                  rows * m_table->verticalHeader()->defaultSectionSize() + 2 * m_table->frameWidth();
    m_table->setMinimumHeight(h);
    m_table->setMaximumHeight(h);
}

QString ReadoutPanel::zoneText() const {
    return m_zone->text();
}

QString ReadoutPanel::cellText(int row, int column) const {
    auto* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

void ReadoutPanel::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    // The numbers change once a second: redo nothing in between (every change costs a relayout and repaint).
    const QString id = QString::fromStdString(s.device->id);
    if (id == m_device && s.lastSecondStartNs == m_secondNs && s.severityPreset == m_preset)
        return;
    m_device = id;
    m_secondNs = s.lastSecondStartNs;
    m_preset = s.severityPreset;
    const QString u = QString::fromUtf8(core::unitName(s.device->unit).data());
    if (u != m_unit) {
        m_unit = u;
        m_table->setHorizontalHeaderLabels({tr("Axis"), tr("RMS (%1)").arg(u), tr("Peak (%1)").arg(u),
                                            tr("DC (%1)").arg(u), tr("Crest"), tr("Kurtosis"),
                                            tr("v (mm/s)")});
        m_table->horizontalHeaderItem(6)->setToolTip(tr("Velocity RMS, 10-1000 Hz (mm/s)"));
    }
    if (s.lastSecondZone == dsp::SeverityZone::Unknown) {
        m_zone->setText(tr("%1: no severity zone (%2)")
                            .arg(id, s.severityPreset.empty() ? tr("no preset")
                                                              : QString::fromStdString(s.severityPreset)));
        m_zone->setStyleSheet(QString());
    } else {
        m_zone->setText(tr("%1: severity zone %2 (%3)")
                            .arg(id, QString::fromUtf8(dsp::severityZoneName(s.lastSecondZone).data()),
                                 QString::fromStdString(s.severityPreset)));
        m_zone->setStyleSheet(QStringLiteral("background: %1; color: black; font-weight: bold")
                                  .arg(zoneColor(s.lastSecondZone).name()));
    }
    const int axes = static_cast<int>(s.lastSecond.size());
    if (axes != m_table->rowCount())
        setRows(axes);
    for (int a = 0; a < axes; ++a) {
        const auto& m = s.lastSecond[a];
        const QStringList cells{QString::fromStdString(s.device->axisNames[a]),
                                QString::number(m.rms, 'f', 4),
                                QString::number(m.peak, 'f', 4),
                                QString::number(m.mean, 'f', 4),
                                QString::number(m.crestFactor, 'f', 2),
                                QString::number(m.kurtosis, 'f', 2),
                                a < static_cast<int>(s.lastSecondVelocityMmS.size()) &&
                                        std::isfinite(s.lastSecondVelocityMmS[a])
                                    ? QString::number(s.lastSecondVelocityMmS[a], 'f', 3)
                                    : QString()};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = m_table->item(a, c);
            if (!item) {
                item = new QTableWidgetItem;
                item->setTextAlignment(c == 0 ? Qt::AlignCenter : (Qt::AlignRight | Qt::AlignVCenter));
                m_table->setItem(a, c, item);
            }
            item->setText(cells[c]);
            if (c == 0)
                item->setForeground(axisColor(a));
        }
    }
}

} // namespace vibra::ui
