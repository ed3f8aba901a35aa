#include "cli/SourceReader.h"

#include "core/BlockOutlet.h"
#include "io/Source.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QThread>
#include <QTimer>

namespace vibra::cli {

bool readWholeSource(std::unique_ptr<io::Source> source, std::size_t maxSamplesPerAxis, SourceRecording* out,
                     QString* error) {
    core::DeviceCounters counters;
    core::InputQueue ring(256);
    core::BlockOutlet outlet(ring, counters);
    QThread thread;
    thread.setObjectName(QStringLiteral("io:analyze"));
    bool finished = false;
    QString failure;
    QEventLoop loop;
    QObject::connect(source.get(), &io::Source::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QObject::connect(source.get(), &io::Source::stateChanged, &loop,
                     [&](io::Source::State s, const QString& msg) {
                         if (s == io::Source::State::Failed) {
                             failure = msg.isEmpty() ? QStringLiteral("the source failed") : msg;
                             loop.quit();
                         }
                     });
    bool tooLong = false;
    auto drain = [&] {
        core::SampleBlockPtr b;
        while (ring.tryPop(b)) {
            if (!out->device) {
                out->device = b->device;
                out->axes.assign(b->axisCount(), {});
            }
            if (b->axisCount() != static_cast<int>(out->axes.size()) ||
                b->sampleRate() != out->device->sampleRate) {
                failure = QStringLiteral("the stream changed its rate or axis count mid-way");
                loop.quit();
                return;
            }
            if (out->axes.front().size() + b->count > maxSamplesPerAxis) {
                tooLong = true;
                loop.quit();
                return;
            }
            for (int a = 0; a < b->axisCount(); ++a) {
                const auto x = b->axis(a);
                out->axes[a].insert(out->axes[a].end(), x.begin(), x.end());
            }
        }
    };
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, drain);
    poll.start(1);
    io::Source* src = source.get();
    src->moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(
        src, [src, &outlet] { src->start(&outlet); }, Qt::QueuedConnection);
    loop.exec();
    poll.stop();
    QThread* home = QThread::currentThread();
    QMetaObject::invokeMethod(
        src,
        [src, home] {
            src->stop();
            src->moveToThread(home);
        },
        Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    if (failure.isEmpty() && !tooLong)
        drain(); // blocks delivered just before the end
    out->counters = counters.snapshot();
    if (tooLong) {
        *error = QStringLiteral("the source is longer than %1 samples per axis; analyze a shorter piece")
                     .arg(maxSamplesPerAxis);
        return false;
    }
    if (!failure.isEmpty()) {
        *error = failure;
        return false;
    }
    if (!finished || !out->device || out->axes.front().empty()) {
        *error = QStringLiteral("the source delivered no samples");
        return false;
    }
    return true;
}

} // namespace vibra::cli
