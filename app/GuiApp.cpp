#include "GuiApp.h"

#include "cli/ExitCode.h"
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

namespace vibra::app {

int runGui(int argc, char** argv) {
    // Parse before touching the display, so bad arguments fail the same way with or without one.
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    QCommandLineParser p;
    p.addOption(
        {{QStringLiteral("s"), QStringLiteral("source")}, QStringLiteral("device"), QStringLiteral("URI")});
    p.addOption({QStringLiteral("screenshot"), QStringLiteral("save PNG and quit"), QStringLiteral("PNG")});
    p.addOption({QStringLiteral("screenshot-delay"), QStringLiteral("ms"), QStringLiteral("MS"),
                 QStringLiteral("3000")});
    if (!p.parse(args) || !p.positionalArguments().isEmpty()) {
        std::fprintf(
            stderr, "vibrascope: %s\nTry 'vibrascope --help'.\n",
            qPrintable(p.errorText().isEmpty()
                           ? QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first())
                           : p.errorText()));
        return cli::kExitUsage;
    }
    QStringList uris = p.values(QStringLiteral("source"));
    if (uris.isEmpty())
        uris << QStringLiteral("sim://sim1");
    bool delayOk = false;
    const int delay = p.value(QStringLiteral("screenshot-delay")).toInt(&delayOk);
    if (!delayOk || delay < 0) {
        std::fprintf(stderr, "vibrascope: --screenshot-delay must be milliseconds >= 0\n");
        return cli::kExitUsage;
    }
    io::SourceFactory factory;
    // Validate every URI before opening a window.
    for (const QString& uri : uris) {
        QString error;
        if (!factory.create(uri, &error)) {
            std::fprintf(stderr, "vibrascope: %s\n", qPrintable(error));
            return cli::kExitUsage;
        }
    }
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
    for (const QString& uri : uris) {
        QString error;
        pipeline.add(uri, &error);
    }
    ui::MainWindow window(pipeline);
    window.show();
    pipeline.startAll();
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
    pipeline.stopAll();
    return rc;
}

} // namespace vibra::app
