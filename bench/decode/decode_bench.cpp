// decode_bench:
//  1. JSON block and SensorServer parse rates, nlohmann-json (what vibra_decode uses) against the
//  hand-written
//     reader it replaced (legacy/, kept only for this comparison), with a floor measured in the same run: one
//     pass over the same bytes that only counts quotes (what any parser must at least read).
//  2. decode::StreamDecoder on byte streams (COBS frames, CSV lines untimed and with a time column,
//  format=auto
//     on CSV) in 64 KiB reads, against a floor that copies the same bytes: ns per sample instant (3 axes) and
//     16 kHz tri-axial devices one core decodes in real time.
//
// Usage: decode_bench [--seconds S (per case, default 1)]
#include "decode/Cobs.h"
#include "decode/JsonBlock.h"
#include "decode/SensorServerMessage.h"
#include "decode/StreamDecoder.h"
#include "legacy/JsonBlock.h"
#include "legacy/SensorServerMessage.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace vibra;

namespace {

using Clock = std::chrono::steady_clock;

// Runs fn over every message repeatedly for about `seconds`; returns ns per message.
double nsPerMessage(const std::vector<std::string>& msgs, double seconds,
                    const std::function<bool(const std::string&)>& fn) {
    std::size_t done = 0;
    std::size_t ok = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        for (const auto& m : msgs)
            ok += fn(m) ? 1 : 0;
        done += msgs.size();
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    if (ok != done) {
        std::fprintf(stderr, "decode_bench: %zu of %zu messages failed to decode\n", done - ok, done);
        std::exit(1);
    }
    return ns / static_cast<double>(done);
}

std::vector<std::string> jsonBlocksData(int count) {
    std::vector<std::string> out;
    std::vector<double> raw(256 * 3);
    for (int f = 0; f < count; ++f) {
        decode::FrameHeader h;
        h.sequence = static_cast<std::uint32_t>(f);
        h.firstSample = static_cast<std::uint64_t>(f) * 256;
        h.count = 256;
        h.rateHz = 16000;
        h.scale = 1.0f / 16384;
        for (std::size_t i = 0; i < raw.size(); ++i)
            raw[i] = static_cast<double>((static_cast<std::size_t>(f) * raw.size() + i) * 37 % 65536) - 32768;
        out.push_back(decode::JsonBlock::encode(h, raw));
    }
    return out;
}

std::vector<std::string> jsonBlocksSamples(int count) {
    std::vector<std::string> out;
    for (int f = 0; f < count; ++f) {
        std::string s = "{\"v\":1,\"seq\":" + std::to_string(f) + ",\"first\":" + std::to_string(f * 64) +
                        ",\"rate_hz\":1000,\"scale\":0.001,\"samples\":[";
        for (int i = 0; i < 64; ++i) {
            if (i)
                s += ',';
            s += '[' + std::to_string((f * 64 + i) * 7 % 2000 - 1000) + ',' +
                 std::to_string((f * 64 + i) * 11 % 2000 - 1000) + ",1000.25]";
        }
        out.push_back(s + "]}");
    }
    return out;
}

std::vector<std::string> sensorEvents(int count) {
    std::vector<std::string> out;
    char buf[256];
    for (int i = 0; i < count; ++i) {
        std::snprintf(buf, sizeof buf,
                      "{\"values\":[%.7f,%.7f,%.7f],\"timestamp\":%lld,\"accuracy\":3,"
                      "\"type\":\"android.sensor.accelerometer\"}",
                      0.01 * i, 9.80665 - 0.001 * i, -0.5 + 0.0003 * i, 3925657519043709LL + 2000000LL * i);
        out.emplace_back(buf);
    }
    return out;
}

bool floorScan(const std::string& m) {
    std::size_t quotes = 0;
    for (char c : m)
        quotes += c == '"';
    return quotes > 0;
}

void row(const char* name, const std::vector<std::string>& msgs, double seconds,
         const std::function<bool(const std::string&)>& legacy,
         const std::function<bool(const std::string&)>& current) {
    std::size_t bytes = 0;
    for (const auto& m : msgs)
        bytes += m.size();
    const double per = static_cast<double>(bytes) / static_cast<double>(msgs.size());
    nsPerMessage(msgs, seconds / 4, current); // warm-up
    const double f = nsPerMessage(msgs, seconds, floorScan);
    const double l = nsPerMessage(msgs, seconds, legacy);
    const double n = nsPerMessage(msgs, seconds, current);
    std::printf("%-22s %9.0f %10.1f %11.1f %12.1f %10.2f %10.0f %10.0f\n", name, per, f, l, n, n / l, 1e9 / n,
                per * 1e3 / n);
}

// Bytes of `samples` sample instants (3 axes) in the given format.
std::string streamBytes(decode::InputFormat f, bool timed, int samples) {
    std::string out;
    if (f == decode::InputFormat::Frame) {
        out.push_back('\0');
        std::vector<double> raw(256 * 3);
        std::vector<std::uint8_t> frame, cobs;
        for (int s = 0; s < samples / 256; ++s) {
            decode::FrameHeader h;
            h.sequence = static_cast<std::uint32_t>(s);
            h.firstSample = static_cast<std::uint64_t>(s) * 256;
            h.count = 256;
            h.rateHz = 16000;
            for (std::size_t i = 0; i < raw.size(); ++i)
                raw[i] =
                    static_cast<double>((static_cast<std::size_t>(s) * raw.size() + i) * 37 % 65536) - 32768;
            frame.clear();
            cobs.clear();
            decode::FrameCodec::encode(h, raw, frame);
            decode::Cobs::encode(frame, cobs);
            out.append(reinterpret_cast<const char*>(cobs.data()), cobs.size());
            out.push_back('\0');
        }
        return out;
    }
    out = timed ? "t_us,x,y,z\n" : "x,y,z\n";
    char buf[96];
    for (int i = 0; i < samples; ++i) {
        const int n = timed ? std::snprintf(buf, sizeof buf, "%lld,%d,%d,%d\r\n",
                                            static_cast<long long>(i) * 62 + (i % 2), (i * 7) % 2000 - 1000,
                                            (i * 11) % 2000 - 1000, (i * 13) % 2000 - 1000)
                            : std::snprintf(buf, sizeof buf, "%d,%d,%d\r\n", (i * 7) % 2000 - 1000,
                                            (i * 11) % 2000 - 1000, (i * 13) % 2000 - 1000);
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// ns per sample instant to decode `bytes` in 64 KiB reads (a fresh decoder per pass).
double streamNsPerSample(const std::string& bytes, int samples, double seconds,
                         const std::function<std::uint64_t(std::span<const std::uint8_t>)>& pass) {
    std::uint64_t done = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        const std::uint64_t got = pass({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
        if (got != static_cast<std::uint64_t>(samples)) {
            std::fprintf(stderr, "decode_bench: decoded %llu of %d samples\n",
                         static_cast<unsigned long long>(got), samples);
            std::exit(1);
        }
        done += got;
    }
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(done);
}

void streamRow(const char* name, decode::InputFormat format, decode::InputFormat wire, bool timed,
               double seconds) {
    const int samples = 16000 * 4;
    const std::string bytes = streamBytes(wire, timed, samples);
    const auto decodePass = [&](std::span<const std::uint8_t> in) {
        decode::StreamDecoder::Config cfg;
        cfg.format = format;
        cfg.rateHz = timed ? 0.0 : 16000.0;
        cfg.startsAtBoundary = true;
        auto d = decode::StreamDecoder::create(cfg);
        decode::StreamDecoder::Blocks blocks;
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < in.size(); i += 65536) {
            d->feed(in.subspan(i, std::min<std::size_t>(65536, in.size() - i)), 0, blocks);
            d->flush(blocks);
            for (const auto& b : blocks)
                n += b->count;
            blocks.clear();
        }
        d->finish(blocks);
        for (const auto& b : blocks)
            n += b->count;
        return n;
    };
    std::vector<std::uint8_t> sink(65536);
    const auto copyPass = [&](std::span<const std::uint8_t> in) {
        for (std::size_t i = 0; i < in.size(); i += 65536)
            std::memcpy(sink.data(), in.data() + i, std::min<std::size_t>(65536, in.size() - i));
        return static_cast<std::uint64_t>(samples) + (sink[0] & 0); // the copy is the floor
    };
    decodePass({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}); // warm-up
    const double floor = streamNsPerSample(bytes, samples, seconds, copyPass);
    const double dec = streamNsPerSample(bytes, samples, seconds, decodePass);
    std::printf("%-26s %9.1f %10.2f %11.1f %10.0f %14.0f\n", name,
                static_cast<double>(bytes.size()) / samples, floor, dec, dec / floor, 1e9 / (dec * 16000.0));
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 1.0;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--seconds") == 0)
            seconds = std::atof(argv[i + 1]);
    std::printf("decode_bench: %.1f s per case (one core)\n", seconds);
    std::printf("%-22s %9s %10s %11s %12s %10s %10s %10s\n", "message", "bytes", "floor ns", "legacy ns",
                "nlohmann ns", "nl/legacy", "nl msg/s", "nl MB/s");
    decode::DecodedFrame frame;
    row(
        "json block (data)", jsonBlocksData(64), seconds,
        [&](const std::string& m) { return legacy::JsonBlock::decode(m, frame); },
        [&](const std::string& m) { return decode::JsonBlock::decode(m, frame); });
    row(
        "json block (samples)", jsonBlocksSamples(64), seconds,
        [&](const std::string& m) { return legacy::JsonBlock::decode(m, frame); },
        [&](const std::string& m) { return decode::JsonBlock::decode(m, frame); });
    legacy::SensorServerMessage lm;
    decode::SensorServerMessage nm;
    row(
        "sensorserver event", sensorEvents(1024), seconds,
        [&](const std::string& m) { return legacy::SensorServerMessage::parse(m, lm); },
        [&](const std::string& m) { return decode::SensorServerMessage::parse(m, nm); });
    std::printf("columns: ns of CPU per message; floor = one pass counting quotes; legacy = the hand-written "
                "reader replaced by nlohmann-json; nl/legacy < 1 means nlohmann is faster\n\n");
    std::printf("%-26s %9s %10s %11s %10s %14s\n", "byte stream (64 KiB reads)", "B/sample", "floor ns",
                "decode ns", "ratio", "16kHz x3/core");
    streamRow("frames (COBS, i16)", decode::InputFormat::Frame, decode::InputFormat::Frame, false, seconds);
    streamRow("csv, rate=", decode::InputFormat::Csv, decode::InputFormat::Csv, false, seconds);
    streamRow("csv, time column", decode::InputFormat::Csv, decode::InputFormat::Csv, true, seconds);
    streamRow("auto on csv, rate=", decode::InputFormat::Auto, decode::InputFormat::Csv, false, seconds);
    std::printf(
        "columns: ns of CPU per sample instant (3 axes); floor = memcpy of the same bytes in 64 KiB reads; "
        "16kHz x3/core = tri-axial 16 kHz devices one core decodes in real time\n");
    return 0;
}
