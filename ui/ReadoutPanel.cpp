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
    m_zone->setObjectName(QStringLiteral("zone"));
    m_zone->setContentsMargins(6, 2, 6, 2);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    QFont f = m_table->font();
    f.setPointSizeF(f.pointSizeF() * 1.15);
    m_table->setFont(f);
}

QString ReadoutPanel::cellText(int row, int column) const {
    auto* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

void ReadoutPanel::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    const QString u = QString::fromUtf8(core::unitName(s.device->unit).data());
    m_table->setHorizontalHeaderLabels({tr("Axis"), tr("RMS (%1)").arg(u), tr("Peak (%1)").arg(u),
                                        tr("DC (%1)").arg(u), tr("Crest"), tr("Kurtosis"),
                                        tr("Velocity (mm/s)")});
    if (s.lastSecondZone == dsp::SeverityZone::Unknown) {
        m_zone->setText(
            tr("Severity: no zone (%1)")
                .arg(s.severityPreset.empty() ? tr("no preset") : QString::fromStdString(s.severityPreset)));
        m_zone->setStyleSheet(QString());
    } else {
        m_zone->setText(tr("Severity zone %1 (%2)")
                            .arg(QString::fromUtf8(dsp::severityZoneName(s.lastSecondZone).data()),
                                 QString::fromStdString(s.severityPreset)));
        m_zone->setStyleSheet(QStringLiteral("background: %1; color: black; font-weight: bold")
                                  .arg(zoneColor(s.lastSecondZone).name()));
    }
    const int axes = static_cast<int>(s.lastSecond.size());
    m_table->setRowCount(axes);
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
