#pragma once
// Test helper: a real redis-server (Debian) on a free loopback port in a temporary directory, started and
// stopped by the test. Readiness is polled with a deadline (PING), never slept for.

#include "redis/Client.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

namespace vibra::test {

class RedisServer {
public:
    /// appendonly: AOF with appendfsync everysec (what docs/scaling.md asks for); otherwise no persistence.
    explicit RedisServer(bool appendonly = false)
        : m_appendonly(appendonly) {}
    ~RedisServer() { stop(); }

    bool start(int port = 0) {
        if (port == 0) {
            QTcpServer probe; // a free port; redis-server binds it right after
            if (!probe.listen(QHostAddress::LocalHost, 0))
                return false;
            port = probe.serverPort();
        }
        m_port = port;
        QStringList args{QStringLiteral("--port"),      QString::number(port),
                         QStringLiteral("--bind"),      QStringLiteral("127.0.0.1"),
                         QStringLiteral("--dir"),       m_dir.path(),
                         QStringLiteral("--save"),      QString(),
                         QStringLiteral("--daemonize"), QStringLiteral("no"),
                         QStringLiteral("--logfile"),   m_dir.filePath(QStringLiteral("redis.log"))};
        if (m_appendonly)
            args << QStringLiteral("--appendonly") << QStringLiteral("yes") << QStringLiteral("--appendfsync")
                 << QStringLiteral("everysec");
        m_proc.start(QStringLiteral("redis-server"), args);
        if (!m_proc.waitForStarted(5000))
            return false;
        const QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            redis::Client c;
            std::string err;
            if (c.connect(url(), 500, &err)) {
                const auto r = c.command({"PING"});
                if (r && r->is("PONG"))
                    return true;
            }
            if (m_proc.state() != QProcess::Running)
                return false;
            QThread::msleep(20); // poll interval (bounded by the deadline)
        }
        return false;
    }
    /// SIGTERM: Redis shuts down cleanly (writes its AOF) and exits.
    void terminate() {
        if (m_proc.state() == QProcess::NotRunning)
            return;
        m_proc.terminate();
        m_proc.waitForFinished(10000);
    }
    void stop() {
        if (m_proc.state() == QProcess::NotRunning)
            return;
        m_proc.kill();
        m_proc.waitForFinished(5000);
    }
    int port() const { return m_port; }
    redis::RedisUrl url(const std::string& prefix = "vibra") const {
        redis::RedisUrl u;
        u.host = "127.0.0.1";
        u.port = m_port;
        u.prefix = prefix;
        return u;
    }
    QString urlText(const QString& rest = QStringLiteral("vibra")) const {
        return QStringLiteral("redis://127.0.0.1:%1/%2").arg(m_port).arg(rest);
    }

private:
    bool m_appendonly;
    QTemporaryDir m_dir;
    QProcess m_proc;
    int m_port = 0;
};

} // namespace vibra::test
