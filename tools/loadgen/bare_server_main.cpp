// vibra-bare-server: the benchmark floor for WebSocket ingest (see BareServer.h and README).
#include "BareServer.h"

#include <QCoreApplication>
#include <QFile>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using vibra::loadgen::BareServer;

namespace {

int g_signalFd[2] = {-1, -1};

void onSignal(int) {
    const char c = 1;
    [[maybe_unused]] const ssize_t r = ::write(g_signalFd[1], &c, 1);
}

const char* kUsage =
    R"(usage: vibra-bare-server --listen HOST:PORT [--token T] [--max-connections N] [--summary FILE]

Benchmark floor: accepts /ingest?device=NAME WebSocket connections like `vibrascope record --listen`
(QWebSocketServer, bearer token or ?token=, hello {"ack":N}, cumulative acks), validates every frame
(CRC-32C, fields, sequence and sample continuity) and discards the data. PORT 0 picks a free port.
Prints "listening on HOST:PORT" on stderr; on SIGINT/SIGTERM prints a JSON summary (per device and total)
to stdout, or to --summary FILE, and exits 0. --token defaults to $VIBRASCOPE_TOKEN; empty = no auth.
)";

int usageError(const QString& why) {
    std::fprintf(stderr, "vibra-bare-server: %s\n(vibra-bare-server --help for usage)\n", qPrintable(why));
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    BareServer::Options opt;
    opt.token = QString::fromUtf8(qgetenv("VIBRASCOPE_TOKEN"));
    QString listen, summaryPath;
    const QStringList args = app.arguments().mid(1);
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        const bool known = a == QLatin1String("--listen") || a == QLatin1String("--token") ||
                           a == QLatin1String("--max-connections") || a == QLatin1String("--summary");
        if (!known)
            return usageError(QStringLiteral("unknown option '%1'").arg(a));
        if (i + 1 >= args.size())
            return usageError(QStringLiteral("%1 needs a value").arg(a));
        const QString& v = args[++i];
        if (a == QLatin1String("--listen")) {
            listen = v;
        } else if (a == QLatin1String("--token")) {
            opt.token = v;
        } else if (a == QLatin1String("--summary")) {
            summaryPath = v;
        } else {
            bool ok = false;
            opt.maxConnections = v.toInt(&ok);
            if (!ok || opt.maxConnections < 0)
                return usageError(QStringLiteral("--max-connections must be an integer >= 0"));
        }
    }
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : -1;
    QString host = colon > 0 ? listen.left(colon) : QString();
    if (host.startsWith('[') && host.endsWith(']'))
        host = host.mid(1, host.size() - 2);
    if (!portOk || port < 0 || port > 65535 || !opt.address.setAddress(host))
        return usageError(
            QStringLiteral("--listen must be HOST:PORT with a numeric address, e.g. 127.0.0.1:8765"));
    opt.port = static_cast<quint16>(port);

    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max; // one descriptor per device connection
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }

    BareServer server(opt);
    QString error;
    if (!server.listen(&error)) {
        std::fprintf(stderr, "vibra-bare-server: %s\n", qPrintable(error));
        return 1;
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd) != 0) {
        std::perror("vibra-bare-server: socketpair");
        return 1;
    }
    QSocketNotifier notifier(g_signalFd[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char c = 0;
        [[maybe_unused]] const ssize_t r = ::read(g_signalFd[0], &c, 1);
        app.quit();
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr, "vibra-bare-server: listening on %s:%u\n", qPrintable(opt.address.toString()),
                 server.port());
    std::fflush(stderr);
    app.exec();
    const QByteArray summary = server.summaryJson();
    if (!summaryPath.isEmpty()) {
        QFile f(summaryPath);
        if (!f.open(QIODevice::WriteOnly) || f.write(summary) != summary.size()) {
            std::fprintf(stderr, "vibra-bare-server: cannot write %s\n", qPrintable(summaryPath));
            return 1;
        }
    } else {
        std::fwrite(summary.constData(), 1, static_cast<std::size_t>(summary.size()), stdout);
    }
    return 0;
}
