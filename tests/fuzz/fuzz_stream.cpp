// libFuzzer target: the byte-stream decoders of decode::StreamDecoder (format auto, csv and frame, as a
// serial port or a file feeds them), in pieces of varying size, with a reconnect in the middle.
// Invariants: no crash/UB; bounded memory; blocks consistent with their sample count and device; indices
// never go back within a stream; stats.samples equals what came out; accounting into DeviceCounters adds
// exactly the decoder's rejects.
#include "decode/StreamDecoder.h"

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    StreamDecoder::Config cfg;
    const std::uint8_t mode = data[0];
    cfg.format = (mode & 3) == 0   ? InputFormat::Frame
                 : (mode & 3) == 1 ? InputFormat::Csv
                                   : InputFormat::Auto;
    cfg.rateHz = (mode & 4) ? 0.0 : 1000.0;
    cfg.startsAtBoundary = mode & 8;
    cfg.csv.maxLineLength = 128;
    cfg.maxBlockSamples = 64;
    auto dec = StreamDecoder::create(cfg);
    StreamDecoder::Blocks blocks;
    vibra::core::DeviceCounters counters;
    const std::size_t piece = 1 + data[1] % 97;
    std::size_t pos = 2;
    std::int64_t now = 1'700'000'000'000'000'000;
    bool reconnected = false;
    while (pos < size) {
        const std::size_t n = std::min(piece, size - pos);
        if (!reconnected && (mode & 16) && pos > size / 2) {
            reconnected = true;
            dec->transportLost();
            dec->transportResumed(0.5);
        }
        dec->feed({data + pos, n}, now, blocks);
        dec->account(counters);
        now += 10'000'000;
        pos += n;
    }
    dec->finish(blocks);
    dec->account(counters);
    std::uint64_t samples = 0;
    const vibra::core::DeviceInfo* dev = nullptr;
    std::uint64_t next = 0;
    for (const auto& b : blocks) {
        if (!b->device ||
            b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()) ||
            b->count == 0 || !(b->sampleRate() > 0))
            std::abort();
        if (b->device.get() == dev && b->firstSample < next && !reconnected)
            std::abort();
        dev = b->device.get();
        next = b->firstSample + b->count;
        samples += b->count;
    }
    const auto& s = dec->stats();
    const auto c = counters.snapshot();
    using vibra::core::DropReason;
    if (samples != s.samples || c.bytes != s.bytes ||
        c.framesDropped[static_cast<std::size_t>(DropReason::Malformed)] != s.malformed ||
        c.framesDropped[static_cast<std::size_t>(DropReason::Crc)] != s.crc)
        std::abort();
    return 0;
}
