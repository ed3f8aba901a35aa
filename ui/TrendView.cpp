#include "ui/TrendView.h"

#include "dsp/SeverityTable.h"
#include "pipeline/Pipeline.h"
#include "ui/AxisColors.h"
#include "ui/Dashboard.h"
#include "ui/PlotHeader.h"
#include "ui/ZoneColors.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

namespace vibra::ui {

TrendView::TrendView(Dashboard& dashboard, QWidget* parent)
    : QWidget(parent)
    , m_dashboard(dashboard)
    , m_plot(new QCustomPlot)
    , m_metric(new QComboBox)
    , m_threshold(new QDoubleSpinBox) {
    using M = alarms::TrendStore::Metric;
    for (auto m : {M::Velocity, M::Rms, M::Peak, M::Crest})
        m_metric->addItem(alarms::TrendStore::metricName(m), int(m));
    m_metric->setObjectName(QStringLiteral("trendMetric"));
    m_threshold->setObjectName(QStringLiteral("threshold"));
    m_threshold->setRange(0, 1e6);
    m_threshold->setDecimals(3);
    m_threshold->setSpecialValueText(tr("off"));
    m_threshold->setToolTip(tr("Alarm when a value rises above this threshold (0 = off)"));
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Metric:")));
    bar->addWidget(m_metric);
    bar->addWidget(new QLabel(tr("Alarm above:")));
    bar->addWidget(m_threshold);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);

    auto ticker = QSharedPointer<QCPAxisTickerDateTime>(new QCPAxisTickerDateTime);
    ticker->setDateTimeSpec(Qt::UTC);
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setLabel(tr("time (UTC)"));
    installPlotHeader(m_plot, m_plot->legend);
    m_plot->setInteractions(QCP::iRangeZoom | QCP::iRangeDrag);
    m_plot->addLayer(QStringLiteral("zones"), m_plot->layer(QStringLiteral("grid")), QCustomPlot::limBelow);
    for (int z = 0; z < 4; ++z) {
        auto* r = new QCPItemRect(m_plot);
        r->setLayer(QStringLiteral("zones"));
        r->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
        r->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
        QColor c = zoneColor(static_cast<dsp::SeverityZone>(z));
        c.setAlpha(45);
        r->setBrush(c);
        r->setPen(Qt::NoPen);
        r->setVisible(false);
        m_zones[z] = r;
        auto* t = new QCPItemText(m_plot);
        t->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        t->setPositionAlignment(Qt::AlignRight | Qt::AlignVCenter);
        t->setText(QString::fromUtf8(dsp::severityZoneName(static_cast<dsp::SeverityZone>(z)).data()));
        t->setColor(zoneColor(static_cast<dsp::SeverityZone>(z)).darker(130));
        t->setVisible(false);
        m_zoneLabels[z] = t;
    }
    m_thresholdLine = new QCPItemStraightLine(m_plot);
    m_thresholdLine->setPen(QPen(QColor(0xD6, 0x27, 0x28), 1.5, Qt::DashLine));
    m_thresholdLine->setVisible(false);

    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
        loadThreshold();
        m_dirty = true;
        draw();
    });
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (!m_loading)
            setThreshold(metric(), v > 0 ? std::optional<double>(v) : std::nullopt);
    });
    connect(&dashboard, &Dashboard::selectionChanged, this, [this] {
        m_dirty = true;
        draw();
    });
    connect(&dashboard.pipeline(), &pipeline::Pipeline::deviceRemoved, this, [this](const QString& id) {
        m_store.remove(id);
        m_dirty = true;
    });
}

alarms::TrendStore::Metric TrendView::metric() const {
    return static_cast<alarms::TrendStore::Metric>(m_metric->currentData().toInt());
}

void TrendView::setMetric(alarms::TrendStore::Metric m) {
    m_metric->setCurrentIndex(m_metric->findData(int(m)));
}

namespace {
std::string ruleText(alarms::TrendStore::Metric m, double threshold) {
    static const char* kNames[] = {"rms", "velocity", "peak", "crest"}; // alarms::TrendStore::Metric order
    return std::string(kNames[static_cast<int>(m)]) + ">" + QString::number(threshold, 'g', 10).toStdString();
}
} // namespace

std::optional<double> TrendView::threshold(alarms::TrendStore::Metric m) const {
    const auto it = m_thresholds.find(int(m));
    return it == m_thresholds.end() ? std::nullopt : std::optional<double>(*it);
}

void TrendView::setThreshold(alarms::TrendStore::Metric m, std::optional<double> threshold) {
    // The engine evaluates alarms; this view only edits its own rule for the metric.
    auto& pipe = m_dashboard.pipeline();
    alarms::AlarmRules rules = pipe.alarmRules();
    if (const auto old = this->threshold(m)) {
        const std::string text = ruleText(m, *old);
        std::erase_if(rules, [&](const alarms::AlarmRule& r) { return r.text == text; });
        m_thresholds.remove(int(m));
    }
    if (threshold) {
        std::string error;
        if (auto rule = alarms::AlarmRule::parse(ruleText(m, *threshold), &error)) {
            rules.push_back(*rule);
            m_thresholds.insert(int(m), *threshold);
        }
    }
    pipe.setAlarmRules(std::move(rules));
    if (m == metric())
        loadThreshold();
    m_dirty = true;
    draw();
}

void TrendView::loadThreshold() {
    m_loading = true;
    m_threshold->setValue(threshold(metric()).value_or(0));
    m_loading = false;
}

int TrendView::pointCount(int axis) const {
    return axis < m_plot->graphCount() ? m_plot->graph(axis)->dataCount() : 0;
}

void TrendView::update() {
    for (const auto& ch : m_dashboard.pipeline().channels()) {
        const auto snap = m_dashboard.snapshot(ch->deviceId());
        if (!snap || !m_store.add(*snap))
            continue;
        if (ch->deviceId() == m_dashboard.selectedDevice())
            m_dirty = true;
    }
    if (m_dirty && isVisible())
        draw();
}

void TrendView::draw() {
    const auto* series = m_store.series(m_dashboard.selectedDevice());
    const auto m = metric();
    const int axes = series ? static_cast<int>(series->axisNames.size()) : 0;
    while (m_plot->graphCount() > axes)
        m_plot->removeGraph(m_plot->graphCount() - 1);
    while (m_plot->graphCount() < axes) {
        const int a = m_plot->graphCount();
        m_plot->addGraph()->setPen(QPen(axisColor(a), 1.2));
    }
    double top = 0;
    for (int a = 0; a < axes; ++a) {
        QVector<QCPGraphData> pts;
        pts.reserve(static_cast<int>(series->points.size()));
        std::int64_t prev = 0;
        for (const auto& p : series->points) {
            const double v = alarms::TrendStore::value(p, m, a);
            if (prev != 0 && p.tNs - prev > 1'500'000'000LL)
                pts.append({static_cast<double>(prev) * 1e-9 + 1, qQNaN()}); // gap: break the line
            pts.append({static_cast<double>(p.tNs) * 1e-9 + 0.5, v});
            if (std::isfinite(v))
                top = std::max(top, v);
            prev = p.tNs;
        }
        m_plot->graph(a)->data()->set(pts, true);
        m_plot->graph(a)->setName(QString::fromStdString(series->axisNames[a]));
    }
    QString unit;
    if (m == alarms::TrendStore::Metric::Velocity)
        unit = QStringLiteral("mm/s");
    else if (m != alarms::TrendStore::Metric::Crest && series)
        unit = series->unit;
    m_plot->yAxis->setLabel(unit.isEmpty()
                                ? alarms::TrendStore::metricName(m)
                                : QStringLiteral("%1 (%2)").arg(alarms::TrendStore::metricName(m), unit));
    // Zone bands behind the velocity trend.
    const dsp::SeverityPreset* preset = nullptr;
    static const dsp::SeverityTable kTable = dsp::SeverityTable::defaults();
    if (m == alarms::TrendStore::Metric::Velocity && series)
        preset = kTable.find(series->severityPreset);
    if (preset) {
        const double edges[5] = {0, preset->abMmS, preset->bcMmS, preset->cdMmS,
                                 std::max(preset->cdMmS * 1.6, top * 1.2)};
        for (int z = 0; z < 4; ++z) {
            m_zones[z]->topLeft->setCoords(0, edges[z + 1]);
            m_zones[z]->bottomRight->setCoords(1, edges[z]);
            m_zones[z]->setVisible(true);
            m_zoneLabels[z]->position->setCoords(0.995,
                                                 0.5 * (edges[z] + std::min(edges[z + 1], edges[z] * 2 + 1)));
            m_zoneLabels[z]->setVisible(true);
        }
        top = std::max(top, preset->cdMmS * 1.3);
    } else {
        for (int z = 0; z < 4; ++z) {
            m_zones[z]->setVisible(false);
            m_zoneLabels[z]->setVisible(false);
        }
    }
    const auto t = threshold(m);
    m_thresholdLine->setVisible(t.has_value());
    if (t) {
        m_thresholdLine->point1->setCoords(0, *t);
        m_thresholdLine->point2->setCoords(1, *t);
        top = std::max(top, *t * 1.1);
    }
    if (series && !series->points.empty()) {
        const double last = static_cast<double>(series->points.back().tNs) * 1e-9 + 1;
        const double first = static_cast<double>(series->points.front().tNs) * 1e-9;
        m_plot->xAxis->setRange(std::min(first, last - 60), last);
    }
    m_plot->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    const QString device = m_dashboard.selectedDevice();
    m_title = device.isEmpty()
                  ? QString()
                  : tr("%1 — %2 per second, last hour").arg(device, alarms::TrendStore::metricName(m));
    setPlotTitle(m_plot, m_title);
    m_dirty = false;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
