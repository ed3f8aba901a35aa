#include "ui/HistoryBrowser.h"

#include "ui/AxisColors.h"
#include "ui/PlotHeader.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace vibra::ui {

namespace {
QDateTime toDateTime(std::int64_t ns) {
    return QDateTime::fromMSecsSinceEpoch(ns / 1'000'000, QTimeZone::utc());
}
std::int64_t nsOf(const QDateTime& t) {
    return t.toMSecsSinceEpoch() * 1'000'000;
}
const char* const kLineStyles[] = {"solid", "dash", "dot", "dashdot"};
} // namespace

HistoryBrowser::HistoryBrowser(QWidget* parent)
    : QWidget(parent)
    , m_worker(new HistoryWorker)
    , m_plot(new QCustomPlot)
    , m_path(new QLabel(tr("no database")))
    , m_devices(new QListWidget)
    , m_from(new QDateTimeEdit)
    , m_to(new QDateTimeEdit)
    , m_metric(new QComboBox)
    , m_export(new QPushButton(tr("Export…")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_progress(new QProgressBar)
    , m_status(new QLabel) {
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &HistoryWorker::opened, this, &HistoryBrowser::onOpened);
    connect(m_worker, &HistoryWorker::rangesReady, this, &HistoryBrowser::onRanges);
    connect(m_worker, &HistoryWorker::exportProgress, this, [this](quint64 done, quint64 total) {
        m_progress->setMaximum(total > 0 ? 1000 : 0);
        m_progress->setValue(total > 0 ? static_cast<int>(1000.0 * done / total) : 0);
    });
    connect(m_worker, &HistoryWorker::exportFinished, this,
            [this](bool ok, const QString& error, quint64 rows) {
                m_exporting = false;
                m_progress->setVisible(false);
                m_cancel->setVisible(false);
                m_export->setEnabled(true);
                m_status->setText(ok ? tr("exported %1 rows").arg(rows) : tr("export failed: %1").arg(error));
                emit exportFinished(ok, error);
            });
    m_thread.setObjectName(QStringLiteral("history"));
    m_thread.start();

    auto* open = new QPushButton(tr("Open database…"));
    for (auto* e : {m_from, m_to}) {
        e->setTimeSpec(Qt::UTC);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
    }
    m_metric->addItem(tr("RMS (AC)"), int(Metric::Rms));
    m_metric->addItem(tr("Peak"), int(Metric::Peak));
    m_metric->addItem(tr("Velocity RMS (mm/s)"), int(Metric::Velocity));
    auto* show = new QPushButton(tr("Show"));
    m_devices->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_devices->setMaximumWidth(220);
    m_progress->setVisible(false);
    m_cancel->setVisible(false);
    m_export->setEnabled(false);

    auto* bar = new QHBoxLayout;
    bar->addWidget(open);
    bar->addWidget(m_path, 1);
    auto* range = new QHBoxLayout;
    range->addWidget(new QLabel(tr("From:")));
    range->addWidget(m_from);
    range->addWidget(new QLabel(tr("To:")));
    range->addWidget(m_to);
    range->addWidget(m_metric);
    range->addWidget(show);
    range->addStretch(1);
    range->addWidget(m_export);
    range->addWidget(m_progress);
    range->addWidget(m_cancel);
    auto* body = new QHBoxLayout;
    auto* left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Devices:")));
    left->addWidget(m_devices, 1);
    body->addLayout(left);
    body->addWidget(m_plot, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addLayout(range);
    layout->addLayout(body, 1);
    layout->addWidget(m_status);

    auto ticker = QSharedPointer<QCPAxisTickerDateTime>(new QCPAxisTickerDateTime);
    ticker->setDateTimeSpec(Qt::UTC);
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss\nyyyy-MM-dd"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setLabel(tr("time (UTC)"));
    installPlotHeader(m_plot, m_plot->legend);
    m_plot->setInteractions(QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    // Drag a rectangle to choose the range.
    m_plot->setSelectionRectMode(QCP::srmCustom);
    connect(m_plot->selectionRect(), &QCPSelectionRect::accepted, this, [this](const QRect& r, QMouseEvent*) {
        const double a = m_plot->xAxis->pixelToCoord(r.left()), b = m_plot->xAxis->pixelToCoord(r.right());
        setRange(static_cast<std::int64_t>(std::min(a, b) * 1e9),
                 static_cast<std::int64_t>(std::max(a, b) * 1e9));
        query();
    });
    // Double-click a moment: the seconds around it, from the raw samples when they are stored.
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* e) {
        zoomAround(static_cast<std::int64_t>(m_plot->xAxis->pixelToCoord(e->position().x()) * 1e9));
    });

    connect(open, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Open history database"), QString(),
                                                       tr("SQLite history (*.db);;All files (*)"));
        if (!p.isEmpty())
            openDatabase(p);
    });
    connect(show, &QPushButton::clicked, this, &HistoryBrowser::query);
    connect(m_metric, &QComboBox::currentIndexChanged, this, &HistoryBrowser::draw);
    connect(m_export, &QPushButton::clicked, this, [this] {
        QString filter;
        const QString p = QFileDialog::getSaveFileName(this, tr("Export range"), QStringLiteral("export.csv"),
                                                       tr("CSV (*.csv);;Parquet (*.parquet)"), &filter);
        if (p.isEmpty())
            return;
        // The chosen filter decides when the name has no extension of its own.
        const bool wantParquet = filter.contains(QLatin1String("parquet"));
        exportRange(!p.contains(QLatin1Char('.'))
                        ? p + (wantParquet ? QStringLiteral(".parquet") : QStringLiteral(".csv"))
                        : p);
    });
    connect(m_cancel, &QPushButton::clicked, this, &HistoryBrowser::cancelExport);
}

HistoryBrowser::~HistoryBrowser() {
    m_worker->cancelExport();
    m_thread.quit();
    m_thread.wait(); // returns once a running export saw the cancel flag
}

void HistoryBrowser::openDatabase(const QString& path) {
    m_path->setText(tr("opening %1…").arg(path));
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, path] { w->open(path); }, Qt::QueuedConnection);
}

void HistoryBrowser::onOpened(std::shared_ptr<const HistoryOverview> overview) {
    if (!overview->error.isEmpty()) {
        m_path->setText(tr("%1: %2").arg(overview->path, overview->error));
        emit opened(false);
        return;
    }
    m_overview = std::move(overview);
    m_path->setText(m_overview->path);
    m_devices->clear();
    for (const auto& d : m_overview->devices) {
        auto* item = new QListWidgetItem(QString::fromStdString(d.name));
        item->setToolTip(
            tr("%1 Hz, %2 axes, %3").arg(d.rateHz).arg(d.axes).arg(QString::fromStdString(d.unit)));
        m_devices->addItem(item);
        item->setSelected(true);
    }
    setRange(m_overview->firstNs, m_overview->lastNs);
    m_export->setEnabled(true);
    emit opened(true);
    query();
}

QStringList HistoryBrowser::deviceNames() const {
    QStringList out;
    if (m_overview)
        for (const auto& d : m_overview->devices)
            out << QString::fromStdString(d.name);
    return out;
}

void HistoryBrowser::setSelectedDevices(const QStringList& devices) {
    for (int i = 0; i < m_devices->count(); ++i)
        m_devices->item(i)->setSelected(devices.contains(m_devices->item(i)->text()));
}

QStringList HistoryBrowser::selectedDevices() const {
    QStringList out;
    for (int i = 0; i < m_devices->count(); ++i)
        if (m_devices->item(i)->isSelected())
            out << m_devices->item(i)->text();
    return out;
}

void HistoryBrowser::setRange(std::int64_t fromNs, std::int64_t toNs) {
    m_from->setDateTime(toDateTime(fromNs));
    m_to->setDateTime(toDateTime(toNs));
}

std::int64_t HistoryBrowser::fromNs() const {
    return nsOf(m_from->dateTime());
}

std::int64_t HistoryBrowser::toNs() const {
    return nsOf(m_to->dateTime());
}

void HistoryBrowser::setMetric(Metric m) {
    m_metric->setCurrentIndex(m_metric->findData(int(m)));
}

void HistoryBrowser::query() {
    const int minPoints = std::max(200, m_plot->width() / 2);
    QMetaObject::invokeMethod(
        m_worker,
        [w = m_worker, d = selectedDevices(), f = fromNs(), t = toNs(), minPoints] {
            w->queryRanges(d, f, t, minPoints);
        },
        Qt::QueuedConnection);
    m_status->setText(tr("querying…"));
}

void HistoryBrowser::onRanges(std::shared_ptr<const HistoryRanges> ranges) {
    m_ranges = std::move(ranges);
    draw();
    emit rangesShown();
}

void HistoryBrowser::zoomAround(std::int64_t centreNs, std::int64_t halfWidthNs) {
    setRange(centreNs - halfWidthNs, centreNs + halfWidthNs);
    query();
}

void HistoryBrowser::exportRange(const QString& outPath) {
    if (m_exporting || !m_overview)
        return;
    m_exporting = true;
    m_export->setEnabled(false);
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_cancel->setVisible(true);
    m_status->setText(tr("exporting to %1…").arg(outPath));
    QMetaObject::invokeMethod(
        m_worker,
        [w = m_worker, d = selectedDevices(), f = fromNs(), t = toNs(), outPath] {
            w->exportRange(d, f, t, outPath);
        },
        Qt::QueuedConnection);
}

void HistoryBrowser::cancelExport() {
    m_worker->cancelExport();
}

QString HistoryBrowser::statusText() const {
    return m_status->text();
}

void HistoryBrowser::draw() {
    m_plot->clearGraphs();
    if (!m_ranges)
        return;
    if (!m_ranges->error.isEmpty()) {
        m_status->setText(tr("query failed: %1").arg(m_ranges->error));
        m_plot->replot();
        return;
    }
    const auto metric = static_cast<Metric>(m_metric->currentData().toInt());
    std::size_t points = 0;
    for (std::size_t d = 0; d < m_ranges->ranges.size(); ++d) {
        const auto& r = m_ranges->ranges[d];
        const double bucket = static_cast<double>(storage::levelBucketNs(r.level)) * 1e-9;
        for (int a = 0; a < r.device.axes; ++a) {
            auto* g = m_plot->addGraph();
            QPen pen(axisColor(a), 1.2);
            pen.setStyle(static_cast<Qt::PenStyle>(Qt::SolidLine + static_cast<int>(d % 4)));
            g->setPen(pen);
            g->setName(QStringLiteral("%1 %2 (%3)")
                           .arg(QString::fromStdString(r.device.name),
                                a < static_cast<int>(r.device.axisNames.size())
                                    ? QString::fromStdString(r.device.axisNames[a])
                                    : QString::number(a),
                                QString::fromLatin1(kLineStyles[d % 4])));
            g->setLineStyle(QCPGraph::lsLine);
            QVector<QCPGraphData> pts;
            double prevEnd = -1;
            for (const auto& p : r.points) {
                if (a >= static_cast<int>(p.axes.size()))
                    continue;
                const auto& v = p.axes[a];
                double y = metric == Metric::Rms    ? v.rms
                           : metric == Metric::Peak ? v.peak
                                                    : v.velocityRms.value_or(qQNaN());
                const double t = static_cast<double>(p.tNs) * 1e-9;
                if (prevEnd >= 0 && t > prevEnd + 0.5 * bucket)
                    pts.append({prevEnd, qQNaN()}); // a hole in the recording: break the line
                pts.append({t + 0.5 * bucket, y});
                prevEnd = t + bucket;
            }
            points += static_cast<std::size_t>(pts.size());
            g->data()->set(pts, true);
        }
    }
    m_plot->xAxis->setRange(static_cast<double>(m_ranges->fromNs) * 1e-9,
                            static_cast<double>(m_ranges->toNs) * 1e-9);
    m_plot->rescaleAxes(true);
    m_plot->xAxis->setRange(static_cast<double>(m_ranges->fromNs) * 1e-9,
                            static_cast<double>(m_ranges->toNs) * 1e-9);
    m_plot->yAxis->setRangeLower(std::min(0.0, m_plot->yAxis->range().lower));
    m_plot->yAxis->setLabel(m_metric->currentText());
    QStringList names;
    for (const auto& r : m_ranges->ranges)
        names << QString::fromStdString(r.device.name);
    m_title = tr("%1 — %2 (history, %3)")
                  .arg(names.join(QStringLiteral(", ")), m_metric->currentText(),
                       m_overview ? QFileInfo(m_overview->path).fileName() : QString());
    setPlotTitle(m_plot, m_title);
    const auto level =
        m_ranges->ranges.empty() ? storage::RollupLevel::Second : m_ranges->ranges.front().level;
    m_status->setText(tr("%1 points at %2 resolution · drag a rectangle to choose a range")
                          .arg(points)
                          .arg(level == storage::RollupLevel::Hour     ? tr("1 h")
                               : level == storage::RollupLevel::Minute ? tr("1 min")
                                                                       : tr("1 s")));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
