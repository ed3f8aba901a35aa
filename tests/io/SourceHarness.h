#pragma once
// Runs a Source on its own QThread with a BlockOutlet over an InputQueue, as the pipeline does; the test
// thread is the consumer and drains the queue.

#include "core/BlockOutlet.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QThread>
#include <QtTest>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace vibra::test {

class SourceHarness {
public:
    struct Arrival {
        core::SampleBlockPtr block;
        qint64 atNs; // test clock when drained
    };

    explicit SourceHarness(std::unique_ptr<io::Source> source, std::size_t ringCapacity = 1024)
        : m_ring(ringCapacity, std::uint64_t{1} << 24)
        , m_outlet(m_ring, m_counters)
        , m_source(std::move(source)) {
        QObject::connect(
            m_source.get(), &io::Source::stateChanged, m_source.get(),
            [this](io::Source::State s, const QString& msg) {
                m_lastState.store(static_cast<int>(s));
                {
                    std::lock_guard<std::mutex> lock(m_msgMutex);
                    m_messages.push_back(msg);
                }
                qInfo("source state: %s %s", qPrintable(io::Source::stateName(s)), qPrintable(msg));
            },
            Qt::DirectConnection);
        QObject::connect(
            m_source.get(), &io::Source::finished, m_source.get(), [this] { m_finished.store(true); },
            Qt::DirectConnection);
        m_source->moveToThread(&m_thread);
        m_thread.start();
        m_clock.start();
    }
    ~SourceHarness() { stop(); }

    void start() {
        io::Source* s = m_source.get();
        core::BlockOutlet* o = &m_outlet;
        QMetaObject::invokeMethod(
            s, [s, o] { s->start(o); }, Qt::QueuedConnection);
    }
    void stop() {
        if (!m_thread.isRunning())
            return;
        m_thread.requestInterruption();
        io::Source* s = m_source.get();
        QMetaObject::invokeMethod(
            s, [s] { s->stop(); }, Qt::BlockingQueuedConnection);
        // destroy the source on its own thread (its timers and sockets live there)
        QMetaObject::invokeMethod(
            s, [this] { m_source.reset(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        drain();
    }

    /// Moves everything in the ring to arrivals().
    void drain() {
        core::SampleBlockPtr b;
        while (m_ring.tryPop(b))
            m_arrivals.push_back({std::move(b), m_clock.nsecsElapsed()});
    }
    /// Drains until pred() or timeout; returns pred().
    bool drainUntil(const std::function<bool()>& pred, int timeoutMs) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            drain();
            if (pred())
                return true;
            QTest::qWait(2);
        }
        drain();
        return pred();
    }

    std::uint64_t samples() const {
        std::uint64_t n = 0;
        for (const auto& a : m_arrivals)
            n += a.block->count;
        return n;
    }
    const std::vector<Arrival>& arrivals() const { return m_arrivals; }
    core::CounterSnapshot counters() const { return m_counters.snapshot(); }
    bool finished() const { return m_finished.load(); }
    io::Source::State lastState() const { return static_cast<io::Source::State>(m_lastState.load()); }
    qint64 elapsedNs() const { return m_clock.nsecsElapsed(); }
    qint64 startNs() const { return 0; }
    io::Source* source() const { return m_source.get(); }
    /// Every state message so far (any thread).
    QStringList messages() const {
        std::lock_guard<std::mutex> lock(m_msgMutex);
        return m_messages;
    }
    bool anyMessageContains(const QString& text) const {
        for (const QString& m : messages())
            if (m.contains(text))
                return true;
        return false;
    }

private:
    core::InputQueue m_ring;
    core::DeviceCounters m_counters;
    core::BlockOutlet m_outlet;
    std::unique_ptr<io::Source> m_source;
    QThread m_thread;
    QElapsedTimer m_clock;
    std::vector<Arrival> m_arrivals;
    std::atomic<bool> m_finished{false};
    std::atomic<int> m_lastState{0};
    mutable std::mutex m_msgMutex;
    QStringList m_messages;
};

} // namespace vibra::test
