#pragma once

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QString>

namespace vibra::io {

/// At most one warning per interval for a recurring problem (bad lines, CRC errors); the number of
/// suppressed repeats is appended to the next line. Owned by one thread (the source's I/O thread).
class RateLimitedLog {
public:
    explicit RateLimitedLog(QString prefix, qint64 intervalMs = 1000)
        : m_prefix(std::move(prefix))
        , m_intervalMs(intervalMs) {}

    /// Returns true when the line was written.
    bool warn(const QString& message) {
        if (m_timer.isValid() && m_timer.elapsed() < m_intervalMs) {
            ++m_suppressed;
            return false;
        }
        if (m_suppressed > 0)
            qWarning().noquote() << m_prefix << message
                                 << QStringLiteral("(+%1 similar suppressed)").arg(m_suppressed);
        else
            qWarning().noquote() << m_prefix << message;
        m_suppressed = 0;
        m_timer.start();
        return true;
    }

private:
    const QString m_prefix;
    const qint64 m_intervalMs;
    QElapsedTimer m_timer;
    qint64 m_suppressed = 0;
};

} // namespace vibra::io
