#pragma once
// A socat pseudo-terminal pair with stable symlinks: <dir>/dev (the "device" end a Python writer uses) and
// <dir>/host (the end the source opens). kill() + start() again simulates unplug / replug on the same path.

#include <QFileInfo>
#include <QProcess>
#include <QString>
#include <QtTest>

namespace vibra::test {

class PtyPair {
public:
    explicit PtyPair(QString dir)
        : m_dir(std::move(dir)) {}
    ~PtyPair() { kill(); }

    QString devicePath() const { return m_dir + "/dev"; }
    QString hostPath() const { return m_dir + "/host"; }

    bool start() {
        m_proc = std::make_unique<QProcess>();
        m_proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_proc->start(QStringLiteral("socat"), {QStringLiteral("pty,raw,echo=0,link=%1").arg(devicePath()),
                                                QStringLiteral("pty,raw,echo=0,link=%1").arg(hostPath())});
        if (!m_proc->waitForStarted(5000))
            return false;
        for (int i = 0; i < 500; ++i) {
            if (QFileInfo::exists(devicePath()) && QFileInfo::exists(hostPath()))
                return true;
            QTest::qWait(10);
        }
        return false;
    }
    /// Unplug: socat exits (SIGTERM) and removes the links; both ptys vanish.
    void kill() {
        if (!m_proc)
            return;
        m_proc->terminate();
        if (!m_proc->waitForFinished(3000)) {
            m_proc->kill();
            m_proc->waitForFinished(3000);
        }
        m_proc.reset();
    }

private:
    QString m_dir;
    std::unique_ptr<QProcess> m_proc;
};

} // namespace vibra::test
