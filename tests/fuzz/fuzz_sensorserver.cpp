// libFuzzer target: SensorServer JSON events -> BlockAssembler with inferred indices.
// Invariants: no crash/UB; assembled blocks are consistent; indices never go backwards.
#include "decode/BlockAssembler.h"
#include "decode/SensorServerMessage.h"

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // newline-separated messages, like a sequence of WebSocket text frames
    BlockAssembler::Config cfg;
    cfg.estimateRows = 4;
    cfg.maxBlockSamples = 32;
    cfg.dropNonAdvancing = (size % 2) == 0;
    BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
    as.setAxisNames({"x", "y", "z"});
    std::vector<vibra::core::SampleBlockPtr> blocks;
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::size_t start = 0;
    while (start <= all.size()) {
        std::size_t end = all.find('\n', start);
        if (end == std::string_view::npos)
            end = all.size();
        SensorServerMessage m;
        if (SensorServerMessage::parse(all.substr(start, end - start), m)) {
            float v[3] = {static_cast<float>(m.values[0]), static_cast<float>(m.values[1]),
                          static_cast<float>(m.values[2])};
            as.add(static_cast<double>(m.timestampNs) * 1e-9, v);
            as.take(blocks, false);
        }
        start = end + 1;
    }
    as.take(blocks, true);
    std::uint64_t next = 0;
    for (const auto& b : blocks) {
        if (b->data.size() != std::size_t{b->count} * 3 || b->firstSample < next)
            std::abort();
        next = b->firstSample + b->count;
    }
    return 0;
}
