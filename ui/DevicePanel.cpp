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
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    // Numbers keep their width; the state message takes what is left and is elided (full text in the
    // tooltip), so a long message never pushes Dropped, mm/s and Zone out of view.
    auto* header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(State, QHeaderView::Stretch);
    header->setStretchLastSection(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setWordWrap(false);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty() && !m_syncing)
            m_dashboard.setSelectedDevice(m_table->item(rows.front().row(), Name)->text());
    });
    connect(&dashboard, &Dashboard::selectionChanged, this, &DevicePanel::syncSelection);
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
    // Counters change every tick; people read them a few times a second (and every refresh costs a repaint).
    connect(&dashboard, &Dashboard::tick, this, [this] {
        if (!m_refreshClock.isValid() || m_refreshClock.elapsed() >= kRefreshMs) {
            m_refreshClock.restart();
            refresh();
        }
    });
    m_rateClock.start();
    rebuild();
}

int DevicePanel::selectedRow() const {
    const auto rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.front().row();
}

void DevicePanel::syncSelection() {
    // The table shows the dashboard's selection, whoever changed it (--select, a click, a removal).
    const QString id = m_dashboard.selectedDevice();
    for (int r = 0; r < m_table->rowCount(); ++r) {
        auto* item = m_table->item(r, Name);
        if (!item || item->text() != id)
            continue;
        if (selectedRow() != r) {
            m_syncing = true;
            m_table->selectRow(r);
            m_syncing = false;
        }
        return;
    }
    m_syncing = true;
    m_table->clearSelection();
    m_syncing = false;
}

int DevicePanel::rowCount() const {
    return m_table->rowCount();
}

void DevicePanel::setCell(int row, int column, const QString& text) {
    auto* item = m_table->item(row, column);
    if (item->text() != text) // an unchanged cell costs no repaint
        item->setText(text);
}

QString DevicePanel::cellText(int row, int column) const {
    auto* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

void DevicePanel::rebuild() {
    const auto& channels = m_dashboard.pipeline().channels();
    // Rows are reassigned to devices here: selection changes the table makes meanwhile (removing the selected
    // row selects another) are not the user's, so they do not reach the dashboard; syncSelection() follows.
    m_syncing = true;
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
    m_syncing = false;
    syncSelection();
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
        setCell(r, State, state);
        m_table->item(r, State)->setToolTip(state);
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
        // A timestamped stream shows the rate estimated from its time stamps (with their jitter); others the
        // configured or framed rate.
        if (c.rateEstimateMilliHz > 0) {
            setCell(r, Rate, QStringLiteral("≈ %1").arg(c.rateEstimateHz(), 0, 'f', 2));
            m_table->item(r, Rate)->setToolTip(
                tr("estimated from the time stamps: %1 Hz, time-stamp jitter %2 ms, %3 rate change(s)")
                    .arg(c.rateEstimateHz(), 0, 'f', 3)
                    .arg(static_cast<double>(c.timestampJitterNs) * 1e-6, 0, 'f', 3)
                    .arg(c.rateChanges));
        } else {
            setCell(r, Rate,
                    snap && snap->device ? QString::number(snap->device->sampleRate, 'g', 8) : QString());
            m_table->item(r, Rate)->setToolTip(QString());
        }
        setCell(r, Axes, snap && snap->device ? QString::number(snap->device->axisCount()) : QString());
        setCell(r, SamplesPerSecond, QString::number(m_rate.value(ch->deviceId()), 'f', 0));
        setCell(r, Received, QString::number(c.samplesReceived));
        setCell(r, Dropped, QString::number(c.droppedTotal()));
        m_table->item(r, Dropped)
            ->setForeground(c.droppedTotal() ? QColor(Qt::red) : palette().text().color());
        setCell(r, Gaps, QString::number(c.gapsDetected + c.gapsInferred));
        setCell(r, Reconnects, QString::number(c.reconnects));
        double worst = -1;
        if (snap)
            for (double v : snap->lastSecondVelocityMmS)
                if (std::isfinite(v))
                    worst = std::max(worst, v);
        setCell(r, Velocity, worst >= 0 ? QString::number(worst, 'f', 2) : QString());
        const auto zone = snap ? snap->lastSecondZone : dsp::SeverityZone::Unknown;
        auto* zi = m_table->item(r, Zone);
        zi->setText(zone == dsp::SeverityZone::Unknown
                        ? QString()
                        : QString::fromUtf8(dsp::severityZoneName(zone).data()));
        zi->setTextAlignment(Qt::AlignCenter);
        zi->setBackground(zone == dsp::SeverityZone::Unknown ? QBrush() : QBrush(zoneColor(zone)));
        zi->setToolTip(snap ? QString::fromStdString(snap->severityPreset) : QString());
    }
    if (updateRate)
        m_rateClock.restart();
}

} // namespace vibra::ui
