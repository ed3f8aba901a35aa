#include "service/TriggerEngine.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

namespace vibra::service {

namespace fs = std::filesystem;

TriggerEngine::TriggerEngine(std::string dir, bool syncFiles)
    : m_dir(std::move(dir))
    , m_sync(syncFiles) {}

TriggerEngine::~TriggerEngine() {
    stop();
}

std::string TriggerEngine::pathFor(const std::string& trigger, const std::string& device,
                                   std::int64_t startNs) const {
    return (fs::path(m_dir) / trigger / device / (device + "_" + std::to_string(startNs) + ".parquet"))
        .string();
}

bool TriggerEngine::start(std::string* error) {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) {
        *error = "cannot create the trigger directory '" + m_dir + "': " + ec.message();
        return false;
    }
    // Windows interrupted by a crash can never be completed: remove their partial files.
    for (auto it = fs::recursive_directory_iterator(m_dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".partial") {
            std::error_code rm;
            if (fs::remove(it->path(), rm))
                m_stats.partialsRemoved.fetch_add(1);
        }
    m_thread = std::thread([this] { run(); });
    return true;
}

void TriggerEngine::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stop || !m_thread.joinable())
            return;
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void TriggerEngine::addTap(pipeline::TapFeedPtr tap, std::int64_t keepNs) {
    std::lock_guard lock(m_mutex);
    m_commands.push_back({Command::Kind::Tap, std::move(tap), keepNs, {}, {}, 0, 0});
}

void TriggerEngine::request(const std::string& trigger, const std::string& device, std::int64_t startNs,
                            std::int64_t endNs) {
    std::lock_guard lock(m_mutex);
    m_commands.push_back({Command::Kind::Request, nullptr, 0, trigger, device, startNs, endNs});
    m_cv.notify_all();
}

void TriggerEngine::close(const std::string& trigger, const std::string& device, std::int64_t endNs) {
    std::lock_guard lock(m_mutex);
    m_commands.push_back({Command::Kind::Close, nullptr, 0, trigger, device, 0, endNs});
    m_cv.notify_all();
}

std::int64_t TriggerEngine::blockEndNs(const core::SampleBlock& b) {
    return b.startTimeNs +
           static_cast<std::int64_t>(std::llround(static_cast<double>(b.count) * 1e9 / b.sampleRate()));
}

void TriggerEngine::apply(std::vector<Command>& cmds) {
    for (auto& c : cmds) {
        if (c.kind == Command::Kind::Tap) {
            Device& d = m_devices[c.tap->deviceId];
            d.keepNs = std::max(d.keepNs, c.keepNs);
            d.taps.push_back(std::move(c.tap));
        } else if (c.kind == Command::Kind::Request) {
            if (fs::exists(pathFor(c.trigger, c.device, c.startNs))) {
                m_stats.windowsExisting.fetch_add(1);
                continue;
            }
            auto w = std::make_unique<Window>();
            w->trigger = c.trigger;
            w->device = c.device;
            w->startNs = c.startNs;
            w->endNs = c.endNs;
            m_windows.push_back(std::move(w));
        } else {
            for (auto& w : m_windows)
                if (w->trigger == c.trigger && w->device == c.device &&
                    w->endNs == std::numeric_limits<std::int64_t>::max())
                    w->endNs = c.endNs;
        }
    }
    cmds.clear();
}

bool TriggerEngine::begin(Window& w, const Device& d) {
    if (d.ring.empty())
        return false; // wait for data
    if (d.ring.front()->startTimeNs > w.startNs) {
        m_stats.windowsIncomplete.fetch_add(1); // the data before the window's start is gone (or never came)
        return true;
    }
    const auto& info = d.ring.front()->device;
    std::vector<parquet::Column> cols{{"sample_index", parquet::PhysicalType::Int64, std::nullopt, false},
                                      {"t", parquet::PhysicalType::Int64, parquet::TimeUnit::Nanos, false}};
    for (const auto& a : info->axisNames)
        cols.push_back({a, parquet::PhysicalType::Float, std::nullopt, true});
    parquet::WriterOptions o;
    o.sync = m_sync;
    o.createdBy = "vibrascope serve (trigger)";
    std::string error;
    const std::string path = pathFor(w.trigger, w.device, w.startNs);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    w.writer = std::make_unique<parquet::ParquetWriter>();
    if (!w.writer->open(path, cols, o, &error)) {
        m_stats.writeErrors.fetch_add(1);
        w.writer.reset();
        return true;
    }
    w.writer->setMetadata("vibrascope.trigger", w.trigger);
    w.writer->setMetadata("vibrascope.device", w.device);
    w.writer->setMetadata("vibrascope.window_start_ns", std::to_string(w.startNs));
    w.writer->setMetadata("vibrascope.rate_hz", std::to_string(info->sampleRate));
    w.begun = true;
    for (const auto& b : d.ring)
        if (!feed(w, *b))
            return true;
    return false;
}

bool TriggerEngine::feed(Window& w, const core::SampleBlock& b) {
    std::vector<std::int64_t> idx, t;
    const int axes = b.axisCount();
    std::vector<std::vector<float>> values(static_cast<std::size_t>(axes));
    for (std::uint32_t j = 0; j < b.count; ++j) {
        const std::uint64_t index = b.firstSample + j;
        const std::int64_t tj = b.timeOfSampleNs(j);
        if (tj < w.startNs || index < w.nextIndex)
            continue;
        if (tj >= w.endNs)
            break;
        idx.push_back(static_cast<std::int64_t>(index));
        t.push_back(tj);
        for (int a = 0; a < axes; ++a)
            values[static_cast<std::size_t>(a)].push_back(b.axis(a)[j]);
    }
    if (idx.empty())
        return true;
    std::vector<parquet::ColumnValues> cols{std::span<const std::int64_t>(idx),
                                            std::span<const std::int64_t>(t)};
    for (const auto& v : values)
        cols.emplace_back(std::span<const float>(v));
    std::string error;
    if (!w.writer->appendRows(cols, &error)) {
        m_stats.writeErrors.fetch_add(1);
        w.writer->abort();
        w.writer.reset();
        return false;
    }
    w.nextIndex = static_cast<std::uint64_t>(idx.back()) + 1;
    m_stats.samplesStored.fetch_add(idx.size());
    return true;
}

void TriggerEngine::finish(Window& w) {
    std::string error;
    if (w.writer && w.writer->close(&error))
        m_stats.windowsStored.fetch_add(1);
    else if (w.writer)
        m_stats.writeErrors.fetch_add(1);
    w.writer.reset();
}

void TriggerEngine::onBlock(Device& d, const std::string& id, const core::SampleBlockPtr& b) {
    d.ring.push_back(b);
    d.ringSamples += b->count;
    d.newestEndNs = blockEndNs(*b);
    // Keep the pre-trigger time, and whatever a requested window that has not begun yet still needs: when
    // this thread drains a backlog (it was starved), the newest data may be far past a window requested
    // meanwhile, whose start must not be trimmed away before it begins (it was lost as incomplete).
    std::int64_t keepFrom = d.newestEndNs - d.keepNs;
    for (const auto& w : m_windows)
        if (w->device == id && !w->begun)
            keepFrom = std::min(keepFrom, w->startNs);
    while (d.ring.size() > 1 &&
           (d.ringSamples > kMaxBufferedSamples || blockEndNs(*d.ring.front()) < keepFrom)) {
        d.ringSamples -= d.ring.front()->count;
        d.ring.pop_front();
    }
    for (auto& w : m_windows)
        if (w->device == id && w->begun && w->writer)
            feed(*w, *b); // a write error resets the writer; the window is then dropped (counted)
}

void TriggerEngine::run() {
    std::vector<Command> cmds;
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return m_stop || !m_commands.empty(); });
            cmds.swap(m_commands);
            stopping = m_stop;
        }
        apply(cmds);
        std::uint64_t buffered = 0;
        for (auto& [id, d] : m_devices) {
            for (auto& tap : d.taps) {
                const bool closed = tap->closed(); // read before draining: then the drain is complete
                core::SampleBlockPtr b;
                while (tap->ring.tryPop(b))
                    onBlock(d, id, b);
                if (closed)
                    tap.reset();
            }
            std::erase(d.taps, nullptr);
            buffered += d.ringSamples;
        }
        m_stats.bufferedSamples.store(buffered);
        for (auto& w : m_windows) {
            auto dit = m_devices.find(w->device);
            if (!w->begun) {
                if (dit == m_devices.end() || !begin(*w, dit->second))
                    continue;
                if (!w->writer) { // incomplete or failed
                    w->endNs = std::numeric_limits<std::int64_t>::min();
                    continue;
                }
            }
            if (w->writer && dit != m_devices.end() && dit->second.newestEndNs >= w->endNs)
                finish(*w);
        }
        std::erase_if(m_windows, [](const auto& w) {
            return (w->begun && !w->writer) || w->endNs == std::numeric_limits<std::int64_t>::min();
        });
        if (stopping) {
            for (auto& w : m_windows) {
                if (w->writer)
                    w->writer->abort();
                m_stats.windowsIncomplete.fetch_add(1);
            }
            m_windows.clear();
            return;
        }
    }
}

} // namespace vibra::service
