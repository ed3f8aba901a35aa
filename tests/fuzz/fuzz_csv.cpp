// libFuzzer target: text lines -> CsvLineParser -> BlockAssembler.
// Invariants: no crash/UB, bounded line buffer, blocks consistent with their sample count.
#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    CsvConfig cfg;
    cfg.maxLineLength = 256;
    cfg.dropFirstLine = data[0] & 1;
    if (data[0] & 2)
        cfg.timeColumn = CsvConfig::kNone;
    if (data[0] & 4)
        cfg.axisColumns = {1, 0};
    CsvLineParser parser(cfg);
    BlockAssembler::Config acfg;
    acfg.rateHz = (data[0] & 8) ? 0.0 : 1000.0;
    acfg.maxBlockSamples = 64;
    BlockAssembler as(vibra::core::DeviceInfo{}, acfg);
    std::vector<vibra::core::SampleBlockPtr> blocks;
    std::uint64_t delivered = 0;
    const auto onRow = [&](const CsvRow& r) {
        if (as.axisCount() == 0)
            as.setAxisNames(parser.axisNames());
        as.add(r.time, std::span<const float>(r.values.data(), static_cast<std::size_t>(parser.axisCount())));
        as.take(blocks, false);
    };
    const char* text = reinterpret_cast<const char*>(data + 1);
    const std::size_t n = size - 1;
    const std::size_t cut = n / 2;
    parser.feed({text, cut}, onRow);
    parser.feed({text + cut, n - cut}, onRow);
    parser.finish(onRow);
    as.take(blocks, true);
    for (const auto& b : blocks) {
        if (b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()) ||
            b->count == 0)
            std::abort();
        delivered += b->count;
    }
    if (delivered > parser.stats().rows)
        std::abort();
    return 0;
}
