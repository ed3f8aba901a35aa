// libFuzzer target: SensorServer events (newline-separated, like a sequence of WebSocket text messages)
// through the message decoder (JSON by nlohmann-json -> SensorServerMessage -> BlockAssembler with inferred
// indices and the continuous rate estimate).
// Invariants: no crash/UB; blocks consistent; indices never go back; every message accounted once.
#include "decode/StreamDecoder.h"

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    StreamDecoder::Config cfg;
    cfg.transport = StreamDecoder::Transport::Messages;
    cfg.format = (size % 2) ? InputFormat::SensorServer : InputFormat::Auto;
    cfg.rateHz = (size % 3) == 0 ? 200.0 : 0.0;
    cfg.maxBlockSamples = 32;
    auto dec = StreamDecoder::create(cfg);
    StreamDecoder::Blocks blocks;
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::size_t start = 0, messages = 0;
    while (start <= all.size()) {
        std::size_t end = all.find('\n', start);
        if (end == std::string_view::npos)
            end = all.size();
        const auto m = all.substr(start, end - start);
        dec->feedMessage({reinterpret_cast<const std::uint8_t*>(m.data()), m.size()}, MessageKind::Text, 0,
                         blocks);
        ++messages;
        start = end + 1;
    }
    dec->finish(blocks);
    std::uint64_t next = 0, samples = 0;
    for (const auto& b : blocks) {
        if (b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()) ||
            b->firstSample < next || b->count == 0)
            std::abort();
        next = b->firstSample + b->count;
        samples += b->count;
    }
    const auto& s = dec->stats();
    if (s.units + s.malformed + s.duplicates + s.skipped > messages || samples != s.samples ||
        samples > s.units)
        std::abort();
    return 0;
}
