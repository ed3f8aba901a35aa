#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace vibra::cli {

/// Turns SIGINT/SIGTERM/SIGHUP into a Qt signal on the thread that created the watcher.
///
/// The handler only write()s the signal number into a socketpair (async-signal-safe); a QSocketNotifier
/// reads it on the event loop. SIGPIPE is ignored so a closing peer cannot kill the process. One watcher
/// per process (the handlers are process-wide); app/ creates it.
class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject* parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void signalReceived(int signalNumber);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace vibra::cli
