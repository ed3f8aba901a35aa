#include "cli/Cli.h"

#include "cli/AnalyzeCommand.h"
#include "cli/CommandContext.h"
#include "cli/DevicesCommand.h"
#include "cli/ExitCode.h"
#include "cli/ExportCommand.h"
#include "cli/QueryCommand.h"
#include "cli/RecordCommand.h"
#include "cli/ServeCommand.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>
#include <cstring>
#include <string>

namespace vibra::cli {

namespace {
struct Command {
    const char* name;
    int (*run)(const CommandContext&);
    const char* summary;
};

const Command kCommands[] = {
    {"record", &runRecord, "record devices headless into a SQLite history"},
    {"serve", &runServe, "record like `record` and serve an HTTP API (metrics, data, ingest, triggers)"},
    {"export", &runExport, "export rollups from a history database as CSV or Parquet"},
    {"analyze", &runAnalyze, "analyze a recorded or simulated signal offline (spectrum, velocity, envelope)"},
    {"devices", &runDevices, "list serial ports with USB vendor:product ids"},
    {"query", &runQuery, "query a history database: latest, range, asof"},
};
} // namespace

std::string globalHelp() {
    std::string commands;
    for (const auto& c : kCommands)
        commands +=
            "  " + std::string(c.name) + std::string(10 - std::strlen(c.name), ' ') + c.summary + "\n";
    return "Usage: vibrascope [--source URI]...          open the dashboard (default: one simulated device)\n"
           "       vibrascope <command> [options]        run a command without a display\n"
           "\n"
           "Commands:\n" +
           commands +
           "\n"
           "Dashboard options:\n"
           "  -s, --source URI     device to open (repeatable): "
           "sim://NAME?rate=16000&axes=3&profile=machine,\n"
           "                       serial:///dev/ttyACM0?baud=921600&format=csv|frame, ws://host:port/path,\n"
           "                       file:///path/data.csv?rate=16000,\n"
           "                       or redis://HOST:PORT/PREFIX?match=GLOB: watch every device edge "
           "recorders\n"
           "                       publish there, live and read-only (to store them: record --consume)\n"
           "      --listen H:P     accept devices pushing over WebSocket (/ingest, /stream) on HOST:PORT; "
           "--token T\n"
           "      --screenshot PNG save a screenshot of the window after --screenshot-delay ms, then quit\n"
           "  -h, --help           this help;  vibrascope <command> --help for a command's options\n"
           "  -v, --version        version\n"
           "\n"
           "Exit codes: 0 success, 1 runtime failure, 2 bad arguments.\n";
}

bool isCliInvocation(int argc, char** argv) {
    if (argc < 2)
        return false;
    const char* a = argv[1];
    for (const auto& c : kCommands)
        if (std::strcmp(a, c.name) == 0)
            return true;
    return std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0 || std::strcmp(a, "--version") == 0 ||
           std::strcmp(a, "-v") == 0 || std::strcmp(a, "help") == 0;
}

int runCli(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QString first = QString::fromLocal8Bit(argv[1]);
    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        out << QString::fromStdString(globalHelp());
        return kExitOk;
    }
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        out << "vibrascope " << QCoreApplication::applicationVersion() << "\n";
        return kExitOk;
    }
    for (const auto& c : kCommands) {
        if (first != QLatin1String(c.name))
            continue;
        CommandContext ctx;
        QStringList args = app.arguments();
        args.removeAt(1);
        args[0] = QStringLiteral("vibrascope ") + first;
        ctx.arguments = args;
        ctx.out = &out;
        ctx.err = &err;
        const int rc = c.run(ctx);
        out.flush();
        err.flush();
        return rc;
    }
    err << "vibrascope: unknown command '" << first << "'\n" << QString::fromStdString(globalHelp());
    return kExitUsage;
}

} // namespace vibra::cli
