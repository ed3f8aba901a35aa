#include "GuiApp.h"

#include "cli/ExitCode.h"
#include "cli/UnixSignalWatcher.h"
#include "io/SourceFactory.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "pipeline/RedisWatch.h"
#include "ui/Dashboard.h"
#include "ui/HistoryBrowser.h"
#include "ui/MainWindow.h"
#include "ui/RecordingController.h"
#include "ui/SpectrumControls.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"
#include "ui/WorkspaceSettings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QSettings>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace vibra::app {

namespace {
// Applies the dashboard start-up options; false (after a message) on a bad value.
bool applyDashboardOptions(const QCommandLineParser& p, ui::MainWindow& w) {
    const auto fail = [](const QString& m) {
        std::fprintf(stderr, "vibrascope: %s\n", qPrintable(m));
        return false;
    };
    if (p.isSet(QStringLiteral("theme"))) {
        const QString t = p.value(QStringLiteral("theme"));
        if (t != QLatin1String("light") && t != QLatin1String("dark"))
            return fail(QStringLiteral("--theme must be light or dark, got '%1'").arg(t));
        w.setDarkTheme(t == QLatin1String("dark"));
    }
    if (p.isSet(QStringLiteral("select"))) {
        const QString id = p.value(QStringLiteral("select"));
        if (!w.dashboard().pipeline().find(id)) {
            QStringList known;
            for (const auto& ch : w.dashboard().pipeline().channels())
                known << ch->deviceId();
            return fail(QStringLiteral("--select: no device '%1' (devices: %2)").arg(id, known.join(", ")));
        }
        w.dashboard().setSelectedDevice(id);
    }
    if (p.isSet(QStringLiteral("time-window"))) {
        bool ok = false;
        const double s = p.value(QStringLiteral("time-window")).toDouble(&ok);
        if (!ok || s < 0.1 || s > 60)
            return fail(QStringLiteral("--time-window must be seconds in 0.1..60"));
        w.timeView().setWindowSeconds(s);
    }
    if (p.isSet(QStringLiteral("stacked")))
        w.timeView().setLayoutMode(ui::TimePlotView::Layout::Stacked);
    if (p.isSet(QStringLiteral("cursors"))) {
        const double s = w.timeView().windowSeconds();
        w.timeView().setCursorsEnabled(true);
        w.timeView().setCursors(-0.6 * s, -0.35 * s);
    }
    if (p.isSet(QStringLiteral("trigger"))) {
        bool ok = false;
        const double level = p.value(QStringLiteral("trigger")).toDouble(&ok);
        if (!ok)
            return fail(QStringLiteral("--trigger must be a level"));
        w.timeView().setTrigger(ui::TimePlotView::TriggerMode::Normal, 0, level, true, 0.25);
    }
    auto o = w.spectrumView().options();
    o.logFrequency = p.isSet(QStringLiteral("log-frequency")) || o.logFrequency;
    if (p.isSet(QStringLiteral("velocity")))
        o.unit = dsp::SpectrumUnit::Velocity;
    if (p.isSet(QStringLiteral("bearing-rpm"))) {
        bool ok = false;
        o.shaftRpm = p.value(QStringLiteral("bearing-rpm")).toDouble(&ok);
        if (!ok || o.shaftRpm <= 0)
            return fail(QStringLiteral("--bearing-rpm must be a speed > 0"));
        o.showBearing = true;
    }
    if (p.isSet(QStringLiteral("harmonics-of"))) {
        bool ok = false;
        o.harmonicHz = p.value(QStringLiteral("harmonics-of")).toDouble(&ok);
        if (!ok || o.harmonicHz <= 0)
            return fail(QStringLiteral("--harmonics-of must be a frequency > 0"));
    }
    w.spectrumControls().setDisplayOptions(o);
    if (p.isSet(QStringLiteral("envelope")))
        w.spectrumControls().setEnvelope(true);
    if (p.isSet(QStringLiteral("tab"))) {
        const QString t = p.value(QStringLiteral("tab"));
        if (t == QLatin1String("live"))
            w.setCurrentTab(ui::MainWindow::LiveTab);
        else if (t == QLatin1String("spectrogram"))
            w.setCurrentTab(ui::MainWindow::SpectrogramTab);
        else if (t == QLatin1String("bands"))
            w.setCurrentTab(ui::MainWindow::BandsTab);
        else if (t == QLatin1String("trends"))
            w.setCurrentTab(ui::MainWindow::TrendsTab);
        else if (t == QLatin1String("history"))
            w.setCurrentTab(ui::MainWindow::HistoryTab);
        else
            return fail(
                QStringLiteral("--tab must be live, spectrogram, bands, trends or history, got '%1'").arg(t));
    }
    if (p.isSet(QStringLiteral("history"))) {
        w.history().openDatabase(p.value(QStringLiteral("history")));
        if (!p.isSet(QStringLiteral("tab")))
            w.setCurrentTab(ui::MainWindow::HistoryTab);
    }
    if (p.isSet(QStringLiteral("record"))) {
        QString error;
        QObject::connect(&w.recording(), &ui::RecordingController::started, &w,
                         [](bool ok, const QString& e) {
                             if (!ok)
                                 std::fprintf(stderr, "vibrascope: cannot record: %s\n", qPrintable(e));
                         });
        if (!w.recording().start(p.value(QStringLiteral("record")), &error))
            return fail(error);
    }
    return true;
}
// One JSON line on stdout (--print-stats): frames the dashboard drew and the summed sample counters.
void printStats(ui::MainWindow& w, const pipeline::Pipeline& pipeline, const QElapsedTimer& clock) {
    quint64 received = 0, processed = 0, dropped = 0, gaps = 0, missing = 0;
    for (const auto& ch : pipeline.channels()) {
        const auto c = ch->counters().snapshot();
        received += c.samplesReceived;
        processed += c.samplesProcessed;
        dropped += c.droppedTotal();
        gaps += c.gapsDetected + c.gapsInferred;
        missing += c.samplesMissing;
    }
    std::printf("{\"t_ms\":%lld,\"frames\":%llu,\"devices\":%zu,\"received\":%llu,\"processed\":%llu,"
                "\"dropped\":%llu,\"gaps\":%llu,\"missing\":%llu}\n",
                static_cast<long long>(clock.elapsed()),
                static_cast<unsigned long long>(w.dashboard().frames()), pipeline.channels().size(),
                static_cast<unsigned long long>(received), static_cast<unsigned long long>(processed),
                static_cast<unsigned long long>(dropped), static_cast<unsigned long long>(gaps),
                static_cast<unsigned long long>(missing));
    std::fflush(stdout);
}
} // namespace

int runGui(int argc, char** argv) {
    // Parse before touching the display, so bad arguments fail the same way with or without one.
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    QCommandLineParser p;
    p.addOption(
        {{QStringLiteral("s"), QStringLiteral("source")},
         QStringLiteral("device URI, or redis://HOST:PORT/PREFIX to watch every device published there "
                        "read-only (durable storage: record --consume)"),
         QStringLiteral("URI")});
    p.addOption({QStringLiteral("screenshot"), QStringLiteral("save PNG and quit"), QStringLiteral("PNG")});
    p.addOption({QStringLiteral("screenshot-delay"), QStringLiteral("ms"), QStringLiteral("MS"),
                 QStringLiteral("3000")});
    // Dashboard start-up state (also used by scripts/screenshots).
    p.addOption({QStringLiteral("tab"), QStringLiteral("live, spectrogram, bands, trends or history"),
                 QStringLiteral("TAB")});
    p.addOption({QStringLiteral("theme"), QStringLiteral("light or dark"), QStringLiteral("THEME")});
    p.addOption({QStringLiteral("select"), QStringLiteral("device shown first"), QStringLiteral("DEVICE")});
    p.addOption(
        {QStringLiteral("time-window"), QStringLiteral("time view seconds (0.1-60)"), QStringLiteral("S")});
    p.addOption({QStringLiteral("stacked"), QStringLiteral("time view: one plot per axis")});
    p.addOption({QStringLiteral("cursors"), QStringLiteral("time view: show the two cursors")});
    p.addOption({QStringLiteral("trigger"), QStringLiteral("time view: trigger on x rising through LEVEL"),
                 QStringLiteral("LEVEL")});
    p.addOption({QStringLiteral("log-frequency"), QStringLiteral("spectrum: logarithmic frequency axis")});
    p.addOption({QStringLiteral("velocity"), QStringLiteral("spectrum: velocity (mm/s)")});
    p.addOption(
        {QStringLiteral("envelope"), QStringLiteral("spectrum: envelope spectrum of the selected device")});
    p.addOption({QStringLiteral("bearing-rpm"),
                 QStringLiteral("spectrum: bearing-fault markers (6205) at this speed"),
                 QStringLiteral("RPM")});
    p.addOption({QStringLiteral("harmonics-of"),
                 QStringLiteral("spectrum: harmonic cursor at this frequency"), QStringLiteral("HZ")});
    p.addOption({QStringLiteral("history"), QStringLiteral("open a history database in the History tab"),
                 QStringLiteral("DB")});
    p.addOption(
        {QStringLiteral("record"), QStringLiteral("start recording to this database"), QStringLiteral("DB")});
    p.addOption(
        {QStringLiteral("listen"),
         QStringLiteral("accept devices pushing over WebSocket (/ingest) and relay /stream on HOST:PORT"),
         QStringLiteral("HOST:PORT")});
    p.addOption({QStringLiteral("token"),
                 QStringLiteral("bearer token for --listen (default: VIBRASCOPE_TOKEN)"),
                 QStringLiteral("T")});
    p.addOption({QStringLiteral("print-stats"),
                 QStringLiteral("print redraws and sample counters once a second on stdout (JSON lines)")});
    QCommandLineOption noDraw(QStringLiteral("no-draw"),
                              QStringLiteral("benchmark floor: poll the devices but draw nothing"));
    noDraw.setFlags(QCommandLineOption::HiddenFromHelp);
    p.addOption(noDraw);
    p.addOption({QStringLiteral("no-restore"),
                 QStringLiteral("ignore and do not save the workspace (layout, sources, settings)")});
    if (!p.parse(args) || !p.positionalArguments().isEmpty()) {
        std::fprintf(
            stderr, "vibrascope: %s\nTry 'vibrascope --help'.\n",
            qPrintable(p.errorText().isEmpty()
                           ? QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first())
                           : p.errorText()));
        return cli::kExitUsage;
    }
    // The workspace (window layout, sources, view and analysis settings) lives in the user's settings;
    // --screenshot and --no-restore neither read nor write it.
    const bool useWorkspace =
        !p.isSet(QStringLiteral("no-restore")) && !p.isSet(QStringLiteral("screenshot"));
    QSettings workspace(QStringLiteral("Vibrascope"), QStringLiteral("vibrascope"));
    QStringList uris = p.values(QStringLiteral("source"));
    const bool restoredSources = uris.isEmpty() && useWorkspace;
    if (restoredSources)
        uris = ui::WorkspaceSettings::savedSources(workspace);
    const bool noSources = uris.isEmpty();
    bool delayOk = false;
    const int delay = p.value(QStringLiteral("screenshot-delay")).toInt(&delayOk);
    if (!delayOk || delay < 0) {
        std::fprintf(stderr, "vibrascope: --screenshot-delay must be milliseconds >= 0\n");
        return cli::kExitUsage;
    }
    std::optional<io::IngestServer::Options> listen;
    if (p.isSet(QStringLiteral("listen"))) {
        io::IngestServer::Options o;
        QString err;
        const QString token = p.isSet(QStringLiteral("token")) ? p.value(QStringLiteral("token"))
                                                               : qEnvironmentVariable("VIBRASCOPE_TOKEN");
        if (!pipeline::IngestBridge::parseListen(p.value(QStringLiteral("listen")), token, &o, &err)) {
            std::fprintf(stderr, "vibrascope: %s\n", qPrintable(err));
            return cli::kExitUsage;
        }
        // network devices are served off the GUI thread, sharded like record --listen
        o.threads = std::clamp(QThread::idealThreadCount(), 1, 4);
        listen = o;
    }
    io::SourceFactory factory;
    // Validate every URI before opening a window. redis://HOST:PORT/PREFIX is a read-only watch of every
    // device published there (opened by the window below, once per watch URL).
    QStringList watches;
    for (auto it = uris.begin(); it != uris.end();) {
        QString error;
        if (pipeline::RedisWatch::isWatchUri(*it)) {
            redis::StreamWatcher::Options options;
            if (!pipeline::RedisWatch::parse(*it, &options, &error)) {
                std::fprintf(stderr, "vibrascope: --source %s\n", qPrintable(error));
                if (!restoredSources)
                    return cli::kExitUsage;
            } else if (!watches.contains(pipeline::RedisWatch::watchUrl(*it))) {
                watches << pipeline::RedisWatch::watchUrl(*it);
            }
            it = uris.erase(it);
        } else if (!factory.create(*it, &error)) {
            std::fprintf(stderr, "vibrascope: %s\n", qPrintable(error));
            if (!restoredSources)
                return cli::kExitUsage;
            it = uris.erase(it); // a saved source this build no longer accepts: skip it
        } else {
            ++it;
        }
    }
    if (noSources)
        uris << QStringLiteral("sim://sim1");
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") && !(platform && *platform)) {
        std::fprintf(
            stderr,
            "vibrascope: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the dashboard cannot "
            "open.\n  Record without a display:  vibrascope record --source sim://a --db vibra.db\n"
            "  Or use a virtual display:  xvfb-run -a vibrascope\n");
        return cli::kExitFailure;
    }

    QApplication app(argc, argv);
    QGuiApplication::setDesktopFileName(QStringLiteral("org.vibrascope.Vibrascope"));
    pipeline::Pipeline pipeline(factory, pipeline::DspSettings{});
    {
        std::string error; // the dashboard's default: alarm when a device enters zone C or D
        if (auto zone = alarms::AlarmRule::zoneAtLeast("C", &error))
            pipeline.setAlarmRules({*zone});
    }
    for (const QString& uri : uris) {
        QString error;
        pipeline.add(uri, &error);
    }
    ui::MainWindow window(pipeline);
    if (useWorkspace) {
        ui::WorkspaceSettings::restore(window, workspace);
        window.setWorkspaceSettings(&workspace);
    }
    for (const QString& url : watches) {
        QString error;
        window.addSourceUri(url, &error); // validated above; connects in the background
    }
    if (!applyDashboardOptions(p, window))
        return cli::kExitUsage;
    // Devices pushing to /ingest appear as channels like any other (recorded too while recording is on).
    std::unique_ptr<pipeline::IngestBridge> ingest;
    if (listen) {
        ingest = std::make_unique<pipeline::IngestBridge>(pipeline, *listen, nullptr);
        QString err;
        if (!ingest->listen(&err)) {
            std::fprintf(stderr, "vibrascope: cannot listen on %s: %s\n",
                         qPrintable(p.value(QStringLiteral("listen"))), qPrintable(err));
            return cli::kExitFailure;
        }
    }
    // SIGINT/SIGTERM end the dashboard like the recorder: the sources stop first (their last partial second
    // is processed and reaches the recording), then a recording in progress is finished (session closed,
    // every received sample accounted) before the process exits with 0.
    cli::UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &cli::UnixSignalWatcher::signalReceived, &app,
                     [&window, &pipeline, &ingest](int sig) {
                         if (sig != SIGINT && sig != SIGTERM)
                             return;
                         std::fprintf(stderr, "vibrascope: %s received: %s\n",
                                      sig == SIGINT ? "SIGINT" : "SIGTERM",
                                      window.recording().isRecording() ? "finishing the recording and closing"
                                                                       : "closing");
                         if (ingest)
                             ingest->close();
                         window.stopWatches();
                         pipeline.stopAll();
                         window.recording().stopAndWait();
                         window.close();
                         QApplication::exit(cli::kExitOk);
                     });
    window.show();
    pipeline.startAll();
    if (p.isSet(QStringLiteral("no-draw")))
        window.dashboard().setDrawing(false);
    QTimer stats;
    QElapsedTimer statsClock;
    if (p.isSet(QStringLiteral("print-stats"))) {
        statsClock.start();
        QObject::connect(&stats, &QTimer::timeout, &window,
                         [&] { printStats(window, pipeline, statsClock); });
        stats.start(1000);
    }
    if (p.isSet(QStringLiteral("screenshot"))) {
        const QString path = p.value(QStringLiteral("screenshot"));
        QTimer::singleShot(delay, &window, [&window, path] {
            const bool ok = window.grab().save(path);
            std::fprintf(stderr,
                         ok ? "vibrascope: screenshot saved to %s\n" : "vibrascope: cannot write %s\n",
                         qPrintable(path));
            QApplication::exit(ok ? cli::kExitOk : cli::kExitFailure);
        });
    }
    const int rc = app.exec();
    if (ingest)
        ingest->close();
    window.stopWatches();
    pipeline.stopAll();
    return rc;
}

} // namespace vibra::app
