#include "exporting/ParquetRecordingSink.h"

#include "exporting/JsonText.h"

#include "core/Clock.h"
#include "core/Unit.h"
#include "parquet/ParquetWriter.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

namespace vibra::exporting {

namespace {

using core::floorDiv;
using core::kSecondNs;
/// Blocks taken from one device before the sink looks at the next (fairness between devices).
constexpr std::size_t kDrainBatch = 64;
/// Poll interval of the sink thread when every tap is empty.
constexpr auto kPollInterval = std::chrono::milliseconds(10);

/// YYYY-mm-ddTHH:MM:SS.fffffffffZ
std::string isoNanos(std::int64_t ns) {
    const std::int64_t sec = floorDiv(ns, kSecondNs);
    const auto frac = static_cast<long>(ns - sec * kSecondNs);
    const auto t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

bool sameShape(const core::DeviceInfo& a, const core::DeviceInfo& b) {
    return a.sampleRate == b.sampleRate && a.axisNames == b.axisNames && a.unit == b.unit &&
           a.sourceUri == b.sourceUri;
}

} // namespace

/// Per device (by name): its tap feeds (shared with the producers) and the open file (sink thread only).
struct ParquetRecordingSink::Device {
    Device(std::string n, std::string dir, std::string u)
        : name(std::move(n))
        , dirName(std::move(dir))
        , uri(std::move(u)) {}

    // immutable after creation
    const std::string name;
    const std::string dirName;
    const std::string uri;

    // written by the sink thread under m_mutex, read by it freely and by accounting() under m_mutex
    std::vector<pipeline::TapFeedPtr> feeds; ///< live feeds in order of arrival (usually one)
    std::uint64_t retiredOffered = 0;        ///< counters of the feeds already closed and released
    std::uint64_t retiredDropped = 0;

    // written by the sink thread, read anywhere
    std::atomic<std::uint64_t> written{0};
    std::atomic<std::uint64_t> writeErrors{0};
    std::atomic<std::uint64_t> files{0};
    std::atomic<std::uint64_t> bytes{0};

    // sink thread only: the open file
    parquet::ParquetWriter writer;
    bool open = false;
    std::shared_ptr<const core::DeviceInfo> info;
    std::string path;
    std::int64_t periodStart = 0;
    std::uint64_t rows = 0;
    std::uint64_t firstSample = 0, lastSample = 0;
    std::uint64_t fileNext = 0; ///< sample index after the file's last row
    std::uint64_t firstSequence = 0, lastSequence = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps; // (first missing index, missing samples)
    std::uint64_t missing = 0;
    // sink thread only: across files
    std::optional<std::int64_t> failedPeriod; ///< writing this period failed: its samples are dropped
    bool continued = false;                   ///< nextSample is valid (a file was closed earlier this run)
    std::uint64_t nextSample = 0;             ///< sample index after the last row of the last closed file
    std::chrono::steady_clock::time_point lastArrival{};
    std::vector<std::int64_t> t, index; // scratch columns

    /// Sink thread (or under m_mutex): samples offered to / refused by this device's taps so far.
    std::uint64_t offered() const {
        std::uint64_t n = retiredOffered;
        for (const auto& f : feeds)
            n += f->counters.offeredSamples.load(std::memory_order_relaxed);
        return n;
    }
    std::uint64_t tapDropped() const {
        std::uint64_t n = retiredDropped;
        for (const auto& f : feeds)
            n += f->counters.droppedSamples.load(std::memory_order_relaxed);
        return n;
    }
    bool tapsEmpty() const {
        return std::all_of(feeds.begin(), feeds.end(), [](const auto& f) { return f->ring.empty(); });
    }
};

ParquetRecordingSink::ParquetRecordingSink(Options options)
    : m_options(std::move(options)) {}

ParquetRecordingSink::~ParquetRecordingSink() {
    stop();
}

std::string ParquetRecordingSink::safeName(const std::string& device) {
    std::string s = device;
    for (char& c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            c = '_';
    if (s.empty() || s == "." || s == "..")
        s = "_" + s;
    return s;
}

std::string ParquetRecordingSink::baseName(const std::string& device, std::int64_t periodStartNs) {
    const auto t = static_cast<std::time_t>(floorDiv(periodStartNs, kSecondNs));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return safeName(device) + "_" + buf;
}

void ParquetRecordingSink::addFeed(pipeline::TapFeedPtr feed) {
    if (!feed)
        return;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped)
            return;
        m_incoming.push_back(std::move(feed));
    }
    m_wake.notify_all();
}

void ParquetRecordingSink::adoptFeeds() {
    std::vector<pipeline::TapFeedPtr> incoming;
    {
        std::lock_guard lock(m_mutex);
        incoming.swap(m_incoming);
    }
    for (auto& feed : incoming) {
        std::lock_guard lock(m_mutex);
        auto it = std::find_if(m_devices.begin(), m_devices.end(),
                               [&](const auto& d) { return d->name == feed->deviceId; });
        if (it == m_devices.end()) {
            // Another device whose name maps to the same folder name gets the next free suffix.
            const std::string base = safeName(feed->deviceId);
            std::string dir = base;
            for (int k = 2; std::any_of(m_devices.begin(), m_devices.end(),
                                        [&](const auto& d) { return d->dirName == dir; });
                 ++k)
                dir = base + "_" + std::to_string(k);
            m_devices.push_back(std::make_unique<Device>(feed->deviceId, dir, feed->sourceUri));
            it = std::prev(m_devices.end());
        }
        auto& feeds = (*it)->feeds;
        if (std::find(feeds.begin(), feeds.end(), feed) == feeds.end())
            feeds.push_back(std::move(feed));
    }
}

void ParquetRecordingSink::retire(Device& d) {
    // Every feed closed before this drain is empty now: close the device's file, keep the counters, let go.
    std::vector<pipeline::TapFeedPtr> done;
    for (const auto& f : d.feeds)
        if (f->closed() && f->ring.empty())
            done.push_back(f);
    if (done.empty())
        return;
    if (d.open)
        closeFile(d);
    std::lock_guard lock(m_mutex);
    for (const auto& f : done) {
        d.retiredOffered += f->counters.offeredSamples.load(std::memory_order_relaxed);
        d.retiredDropped += f->counters.droppedSamples.load(std::memory_order_relaxed);
        d.feeds.erase(std::find(d.feeds.begin(), d.feeds.end(), f));
    }
}

bool ParquetRecordingSink::start(std::string* error) {
    if (m_thread.joinable())
        return true;
    if (m_options.rotateNs < kSecondNs) {
        *error = "parquet: the rotation period must be at least 1 s";
        return false;
    }
    if (m_options.dir.empty()) {
        *error = "parquet: no output directory given";
        return false;
    }
    namespace fs = std::filesystem;
    adoptFeeds(); // the sink thread does not run yet
    std::vector<std::string> dirs{m_options.dir};
    for (const auto& d : m_devices)
        dirs.push_back(m_options.dir + "/" + d->dirName);
    for (const auto& dir : dirs) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec || !fs::is_directory(dir, ec)) {
            *error = "parquet: cannot create the directory '" + dir +
                     "': " + (ec ? ec.message() : std::string("exists and is not a directory"));
            return false;
        }
        const std::string probe = dir + "/.vibrascope-probe-" + std::to_string(::getpid());
        const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            *error = "parquet: cannot create files in '" + dir + "': " + std::strerror(errno);
            return false;
        }
        ::close(fd);
        ::unlink(probe.c_str());
    }
    // Partial files of an earlier run in any device folder (devices may be added after start).
    m_leftovers.clear();
    std::error_code dirEc;
    for (fs::directory_iterator dev(m_options.dir, dirEc), devEnd; !dirEc && dev != devEnd;
         dev.increment(dirEc)) {
        std::error_code ec;
        if (!dev->is_directory(ec))
            continue;
        for (fs::directory_iterator it(dev->path(), ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.size() > 16 && name.ends_with(".parquet.partial"))
                m_leftovers.push_back(it->path().string());
        }
    }
    std::sort(m_leftovers.begin(), m_leftovers.end());
    m_stopRequested.store(false, std::memory_order_release);
    m_thread = std::thread([this] { run(); });
    return true;
}

void ParquetRecordingSink::stop() {
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested.store(true, std::memory_order_release);
    }
    m_wake.notify_all();
    m_thread.join();
    std::lock_guard lock(m_mutex);
    m_stopped = true;
}

std::vector<std::string> ParquetRecordingSink::takeErrors() {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    out.swap(m_errors);
    if (m_droppedErrors) {
        out.push_back("parquet: " + std::to_string(m_droppedErrors) + " more error message(s) suppressed");
        m_droppedErrors = 0;
    }
    return out;
}

std::vector<ParquetRecordingSink::DeviceAccounting> ParquetRecordingSink::accounting() const {
    std::vector<DeviceAccounting> out;
    std::lock_guard lock(m_mutex);
    for (const auto& d : m_devices) {
        DeviceAccounting a;
        a.name = d->name;
        a.received = d->offered();
        a.droppedTapOverflow = d->tapDropped();
        a.written = d->written.load(std::memory_order_relaxed);
        a.droppedWriteError = d->writeErrors.load(std::memory_order_relaxed);
        a.files = d->files.load(std::memory_order_relaxed);
        a.bytes = d->bytes.load(std::memory_order_relaxed);
        out.push_back(std::move(a));
    }
    return out;
}

void ParquetRecordingSink::reportError(const std::string& message) {
    m_failed.store(true, std::memory_order_release);
    std::lock_guard lock(m_mutex);
    if (m_errors.size() < kMaxQueuedErrors)
        m_errors.push_back(message);
    else
        ++m_droppedErrors;
}

void ParquetRecordingSink::run() {
    for (;;) {
        // Read the flag before adopting and draining: everything pushed (and every feed added) before stop()
        // was called is then drained below.
        const bool stopping = m_stopRequested.load(std::memory_order_acquire);
        adoptFeeds();
        bool any = false;
        for (std::size_t i = 0; i < m_devices.size(); ++i) { // only this thread adds devices
            Device& d = *m_devices[i];
            any = drain(d, stopping ? SIZE_MAX : kDrainBatch) || any;
            retire(d);
        }
        if (stopping) {
            for (auto& d : m_devices)
                if (d->open)
                    closeFile(*d);
            return;
        }
        // A device that went quiet must not keep an ended period's file open.
        const auto now = std::chrono::steady_clock::now();
        const std::int64_t utc = core::utcNowNs();
        for (auto& d : m_devices) {
            if (d->open && d->tapsEmpty() && utc >= d->periodStart + m_options.rotateNs &&
                now - d->lastArrival >= std::chrono::nanoseconds(m_options.idleCloseNs))
                closeFile(*d);
        }
        if (!any) {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, kPollInterval, [this] {
                return m_stopRequested.load(std::memory_order_acquire) || !m_incoming.empty();
            });
        }
    }
}

bool ParquetRecordingSink::drain(Device& d, std::size_t maxBlocks) {
    std::size_t n = 0;
    for (const auto& feed : d.feeds) {
        // A closed feed is drained completely: nothing more will come, and retire() needs it empty.
        const std::size_t limit = feed->closed() ? SIZE_MAX : maxBlocks;
        core::SampleBlockPtr block;
        std::size_t taken = 0;
        while (taken < limit && feed->ring.tryPop(block)) {
            handle(d, *block);
            block.reset();
            ++taken;
        }
        n += taken;
    }
    if (n)
        d.lastArrival = std::chrono::steady_clock::now();
    return n > 0;
}

void ParquetRecordingSink::handle(Device& d, const core::SampleBlock& block) {
    if (block.count == 0)
        return;
    if (!block.device || !(block.device->sampleRate > 0) || block.device->axisCount() < 1 ||
        block.data.size() < static_cast<std::size_t>(block.axisCount()) * block.count) {
        d.writeErrors.fetch_add(block.count, std::memory_order_relaxed);
        reportError("parquet: " + d.name + ": a block without a valid device description was dropped");
        return;
    }
    const std::int64_t rotate = m_options.rotateNs;
    std::uint32_t pos = 0;
    while (pos < block.count) {
        const std::int64_t periodStart = core::periodStart(block.timeOfSampleNs(pos), rotate);
        const std::int64_t periodEnd = periodStart + rotate;
        // First sample at or after the boundary (sample times are non-decreasing in i).
        std::uint32_t lo = pos + 1, hi = block.count;
        while (lo < hi) {
            const std::uint32_t mid = lo + (hi - lo) / 2;
            if (block.timeOfSampleNs(mid) >= periodEnd)
                hi = mid;
            else
                lo = mid + 1;
        }
        writeChunk(d, block, pos, lo - pos, periodStart);
        pos = lo;
    }
}

void ParquetRecordingSink::writeChunk(Device& d, const core::SampleBlock& block, std::uint32_t pos,
                                      std::uint32_t n, std::int64_t periodStart) {
    if (d.open && (periodStart != d.periodStart || !sameShape(*d.info, *block.device)))
        closeFile(d);
    if (d.failedPeriod && *d.failedPeriod == periodStart) {
        d.writeErrors.fetch_add(n, std::memory_order_relaxed);
        return;
    }
    d.failedPeriod.reset();
    if (!d.open && !openFile(d, block, periodStart)) {
        d.failedPeriod = periodStart;
        d.writeErrors.fetch_add(n, std::memory_order_relaxed);
        return;
    }
    const std::uint64_t first = block.firstSample + pos;
    // Continuity against the previous row of this file, or for its first row against the last row of the
    // previous closed file of this run (rows of a failed file do not count: they are a hole for the reader).
    const std::uint64_t expected = d.rows > 0 ? d.fileNext : d.nextSample;
    if ((d.rows > 0 || d.continued) && first > expected) {
        d.gaps.emplace_back(expected, first - expected);
        d.missing += first - expected;
    }
    d.t.resize(n);
    d.index.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        d.t[i] = block.timeOfSampleNs(pos + i);
        d.index[i] = static_cast<std::int64_t>(first + i);
    }
    std::vector<parquet::ColumnValues> cols;
    cols.reserve(2 + static_cast<std::size_t>(block.axisCount()));
    cols.emplace_back(std::span<const std::int64_t>(d.t));
    cols.emplace_back(std::span<const std::int64_t>(d.index));
    for (int a = 0; a < block.axisCount(); ++a)
        cols.emplace_back(block.axis(a).subspan(pos, n));
    std::string error;
    if (!d.writer.appendRows(cols, &error)) {
        failFile(d, error, n);
        d.failedPeriod = periodStart;
        return;
    }
    if (d.rows == 0) {
        d.firstSample = first;
        d.firstSequence = block.sequence;
    }
    d.rows += n;
    d.lastSample = first + n - 1;
    d.lastSequence = block.sequence;
    d.fileNext = first + n;
}

std::string ParquetRecordingSink::uniquePath(const Device& d, std::int64_t periodStart) const {
    const std::string base = m_options.dir + "/" + d.dirName + "/" + baseName(d.name, periodStart);
    std::error_code ec;
    for (int k = 1;; ++k) {
        const std::string p = base + (k == 1 ? std::string() : "_" + std::to_string(k)) + ".parquet";
        if (!std::filesystem::exists(p, ec) && !std::filesystem::exists(p + ".partial", ec))
            return p;
    }
}

bool ParquetRecordingSink::openFile(Device& d, const core::SampleBlock& block, std::int64_t periodStart) {
    const core::DeviceInfo& info = *block.device;
    std::error_code ec;
    std::filesystem::create_directories(m_options.dir + "/" + d.dirName, ec); // removed while running?
    const std::string path = uniquePath(d, periodStart);

    using parquet::Column;
    using parquet::PhysicalType;
    std::vector<Column> schema;
    schema.push_back({"t", PhysicalType::Int64, parquet::TimeUnit::Nanos, false});
    schema.push_back({"sample_index", PhysicalType::Int64, std::nullopt, false});
    std::set<std::string> used{"t", "sample_index"};
    for (int a = 0; a < info.axisCount(); ++a) {
        std::string name = info.axisNames[static_cast<std::size_t>(a)];
        if (name.empty() || used.count(name))
            name = "a" + std::to_string(a);
        used.insert(name);
        schema.push_back({name, PhysicalType::Float, std::nullopt, true});
    }
    parquet::WriterOptions wo = m_options.writer;
    wo.createdBy = m_options.createdBy;
    wo.rowGroupRows = static_cast<std::size_t>(
        std::clamp(std::llround(info.sampleRate * m_options.rowGroupSeconds), 1024LL, 1LL << 20));
    std::string error;
    if (!d.writer.open(path, std::move(schema), wo, &error)) {
        reportError("parquet: " + d.name + ": " + error +
                    "; this period's samples are dropped (write_error)");
        return false;
    }
    d.open = true;
    d.info = block.device;
    d.path = path;
    d.periodStart = periodStart;
    d.rows = 0;
    d.gaps.clear();
    d.missing = 0;

    std::string axes = "[";
    for (std::size_t a = 0; a < info.axisNames.size(); ++a)
        axes += (a ? "," : "") + jsonString(info.axisNames[a]);
    axes += "]";
    d.writer.setMetadata("vibrascope.device", d.name);
    d.writer.setMetadata("vibrascope.source_uri", info.sourceUri.empty() ? d.uri : info.sourceUri);
    d.writer.setMetadata("vibrascope.sample_rate_hz", jsonNumber(info.sampleRate));
    d.writer.setMetadata("vibrascope.unit", std::string(core::unitName(info.unit)));
    d.writer.setMetadata("vibrascope.axis_names", axes);
    d.writer.setMetadata("vibrascope.period_start", isoNanos(periodStart));
    d.writer.setMetadata("vibrascope.period_seconds",
                         jsonNumber(static_cast<double>(m_options.rotateNs) / 1e9));
    return true;
}

void ParquetRecordingSink::failFile(Device& d, const std::string& message, std::uint64_t extraSamples) {
    // The writer has already removed its partial (or does so in abort()).
    d.writer.abort();
    d.open = false;
    d.writeErrors.fetch_add(d.rows + extraSamples, std::memory_order_relaxed);
    reportError("parquet: " + d.name + ": " + message + "; " + std::to_string(d.rows + extraSamples) +
                " samples of this file and the rest of its period are dropped (write_error)");
    d.rows = 0;
}

void ParquetRecordingSink::closeFile(Device& d) {
    if (!d.open)
        return;
    std::string gaps;
    for (const auto& [start, missing] : d.gaps)
        gaps += (gaps.empty() ? "" : ",") + std::to_string(start) + ":" + std::to_string(missing);
    d.writer.setMetadata("vibrascope.rows", std::to_string(d.rows));
    d.writer.setMetadata("vibrascope.first_sample_index", std::to_string(d.firstSample));
    d.writer.setMetadata("vibrascope.last_sample_index", std::to_string(d.lastSample));
    d.writer.setMetadata("vibrascope.first_block_sequence", std::to_string(d.firstSequence));
    d.writer.setMetadata("vibrascope.last_block_sequence", std::to_string(d.lastSequence));
    d.writer.setMetadata("vibrascope.gaps", gaps);
    d.writer.setMetadata("vibrascope.gap_count", std::to_string(d.gaps.size()));
    d.writer.setMetadata("vibrascope.samples_missing", std::to_string(d.missing));
    // The device's sink accounting as it stands once this file is closed; "pending" = received but neither
    // written nor dropped yet (in the tap ring or already in the next file).
    const std::uint64_t received = d.offered();
    const std::uint64_t tapDropped = d.tapDropped();
    const std::uint64_t written = d.written.load(std::memory_order_relaxed) + d.rows;
    const std::uint64_t writeErrors = d.writeErrors.load(std::memory_order_relaxed);
    const std::uint64_t accounted = written + tapDropped + writeErrors;
    d.writer.setMetadata(
        "vibrascope.sink_counters",
        "{\"received\":" + std::to_string(received) + ",\"written\":" + std::to_string(written) +
            ",\"dropped\":{\"tap_overflow\":" + std::to_string(tapDropped) +
            ",\"write_error\":" + std::to_string(writeErrors) +
            "},\"pending\":" + std::to_string(received > accounted ? received - accounted : 0) +
            ",\"files_closed\":" + std::to_string(d.files.load(std::memory_order_relaxed) + 1) + "}");
    std::string error;
    if (!d.writer.close(&error)) {
        failFile(d, error, 0);
        return;
    }
    d.open = false;
    d.continued = true;
    d.nextSample = d.fileNext;
    d.written.fetch_add(d.rows, std::memory_order_relaxed);
    d.files.fetch_add(1, std::memory_order_relaxed);
    d.bytes.fetch_add(d.writer.bytesWritten(), std::memory_order_relaxed);
    d.rows = 0;
}

} // namespace vibra::exporting
