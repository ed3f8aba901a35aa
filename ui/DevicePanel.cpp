#include "ui/DevicePanel.h"

#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/ZoneColors.h"

#include <cmath>

#include <QHeaderView>
#include <QMenu>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vibra::ui {

DevicePanel::DevicePanel(Dashboard& dashboard, QWidget* parent)
    : QWidget(parent)
    , m_dashboard(dashboard)
    , m_table(new QTableWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table);
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({tr("Device"), tr("State"), tr("Rate (Hz)"), tr("Axes"),
                                        tr("Samples/s"), tr("Received"), tr("Dropped"), tr("Gaps"),
                                        tr("Reconnects"), tr("mm/s"), tr("Zone")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            m_dashboard.setSelectedDevice(m_table->item(rows.front().row(), Name)->text());
    });
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        auto* item = m_table->itemAt(pos);
        const QString id = item ? m_table->item(item->row(), Name)->text() : QString();
        QMenu menu(this);
        menu.addAction(tr("Add source…"), this, &DevicePanel::addRequested);
        if (!id.isEmpty()) {
            menu.addAction(tr("Edit %1…").arg(id), this, [this, id] { emit editRequested(id); });
            menu.addAction(tr("Remove %1").arg(id), this, [this, id] { emit removeRequested(id); });
        }
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this,
            [this](int row, int) { emit editRequested(m_table->item(row, Name)->text()); });
    connect(&dashboard.pipeline(), &pipeline::Pipeline::deviceAdded, this, [this] { rebuild(); });
    connect(&dashboard.pipeline(), &pipeline::Pipeline::deviceRemoved, this, [this] { rebuild(); });
    connect(&dashboard, &Dashboard::tick, this, &DevicePanel::refresh);
    m_rateClock.start();
    rebuild();
}

int DevicePanel::rowCount() const {
    return m_table->rowCount();
}

QString DevicePanel::cellText(int row, int column) const {
    auto* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

void DevicePanel::rebuild() {
    const auto& channels = m_dashboard.pipeline().channels();
    m_table->setRowCount(static_cast<int>(channels.size()));
    for (int r = 0; r < static_cast<int>(channels.size()); ++r) {
        for (int c = 0; c < ColumnCount; ++c)
            if (!m_table->item(r, c)) {
                auto* item = new QTableWidgetItem;
                if (c != Name && c != State)
                    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_table->setItem(r, c, item);
            }
        m_table->item(r, Name)->setText(channels[r]->deviceId());
        m_table->item(r, Name)->setToolTip(channels[r]->uri());
    }
    refresh();
}

void DevicePanel::refresh() {
    const auto& channels = m_dashboard.pipeline().channels();
    const bool updateRate = m_rateClock.elapsed() >= 1000;
    const double seconds = m_rateClock.elapsed() / 1000.0;
    for (int r = 0; r < static_cast<int>(channels.size()) && r < m_table->rowCount(); ++r) {
        const auto& ch = channels[r];
        const auto c = ch->counters().snapshot();
        const auto snap = m_dashboard.snapshot(ch->deviceId());
        if (updateRate) {
            m_rate[ch->deviceId()] =
                static_cast<double>(c.samplesReceived - m_lastReceived.value(ch->deviceId())) / seconds;
            m_lastReceived[ch->deviceId()] = c.samplesReceived;
        }
        QString state = io::Source::stateName(ch->state());
        if (!ch->stateMessage().isEmpty())
            state += QStringLiteral(": ") + ch->stateMessage();
        m_table->item(r, State)->setText(state);
        QColor stateColor = palette().text().color();
        switch (ch->state()) {
        case io::Source::State::Live:
            stateColor = QColor(0x2C, 0xA0, 0x2C);
            break;
        case io::Source::State::Connecting:
        case io::Source::State::Reconnecting:
            stateColor = QColor(0xE0, 0x8A, 0x00);
            break;
        case io::Source::State::Failed:
            stateColor = QColor(Qt::red);
            break;
        default:
            break;
        }
        m_table->item(r, State)->setForeground(stateColor);
        m_table->item(r, Rate)->setText(
            snap && snap->device ? QString::number(snap->device->sampleRate, 'g', 8) : QString());
        m_table->item(r, Axes)->setText(snap && snap->device ? QString::number(snap->device->axisCount())
                                                             : QString());
        m_table->item(r, SamplesPerSecond)->setText(QString::number(m_rate.value(ch->deviceId()), 'f', 0));
        m_table->item(r, Received)->setText(QString::number(c.samplesReceived));
        m_table->item(r, Dropped)->setText(QString::number(c.droppedTotal()));
        m_table->item(r, Dropped)
            ->setForeground(c.droppedTotal() ? QColor(Qt::red) : palette().text().color());
        m_table->item(r, Gaps)->setText(QString::number(c.gapsDetected + c.gapsInferred));
        m_table->item(r, Reconnects)->setText(QString::number(c.reconnects));
        double worst = -1;
        if (snap)
            for (double v : snap->lastSecondVelocityMmS)
                if (std::isfinite(v))
                    worst = std::max(worst, v);
        m_table->item(r, Velocity)->setText(worst >= 0 ? QString::number(worst, 'f', 2) : QString());
        const auto zone = snap ? snap->lastSecondZone : dsp::SeverityZone::Unknown;
        auto* zi = m_table->item(r, Zone);
        zi->setText(zone == dsp::SeverityZone::Unknown
                        ? QString()
                        : QString::fromUtf8(dsp::severityZoneName(zone).data()));
        zi->setTextAlignment(Qt::AlignCenter);
        zi->setBackground(zone == dsp::SeverityZone::Unknown ? QBrush() : QBrush(zoneColor(zone)));
        zi->setToolTip(snap ? QString::fromStdString(snap->severityPreset) : QString());
        if (ch->deviceId() == m_dashboard.selectedDevice() &&
            m_table->selectionModel()->selectedRows().isEmpty())
            m_table->selectRow(r);
    }
    if (updateRate)
        m_rateClock.restart();
}

} // namespace vibra::ui
