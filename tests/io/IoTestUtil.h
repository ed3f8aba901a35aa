#pragma once
// Helpers shared by the io tests: run the Python reference tools, find the repository.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace vibra::test {

inline QString sourceDir() {
    return qEnvironmentVariable("VIBRA_SOURCE_DIR", QStringLiteral("."));
}
inline QString python() {
    return QStringLiteral("/usr/bin/python3");
}

/// Runs python code with tools/ on sys.path; returns stdout (fails the caller's QVERIFY via ok).
inline QByteArray runPython(const QString& code, bool* ok, int timeoutMs = 30000) {
    QProcess p;
    p.start(python(),
            {QStringLiteral("-c"),
             QStringLiteral("import sys; sys.path.insert(0, '%1/tools')\n").arg(sourceDir()) + code});
    const bool finished = p.waitForFinished(timeoutMs);
    *ok = finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!*ok)
        qWarning("python failed: %s", p.readAllStandardError().constData());
    return p.readAllStandardOutput();
}

/// The reference test signal of tools/vibra_send.py.
inline int testValue(std::uint64_t i, int a) {
    return static_cast<int>((i * 7 + static_cast<std::uint64_t>(a) * 1000) % 2000) - 1000;
}

} // namespace vibra::test
