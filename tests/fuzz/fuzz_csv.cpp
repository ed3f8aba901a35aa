// libFuzzer target: text lines -> CsvLineParser -> BlockAssembler (rate from the time column or configured).
// Invariants: no crash/UB, bounded line buffer, every line accounted once (rows + malformed + headers +
// partial + other devices <= lines), blocks consistent with their sample count, indices never go back.
#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"

#include <algorithm>
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
    if (data[0] & 16)
        cfg.indexColumn = 0;
    CsvLineParser parser(cfg);
    BlockAssembler::Config acfg;
    acfg.rateHz = (data[0] & 8) ? 0.0 : 1000.0;
    acfg.maxBlockSamples = 64;
    acfg.warmupMaxSamples = 32;
    BlockAssembler as(vibra::core::DeviceInfo{}, acfg);
    std::vector<vibra::core::MutableBlockPtr> blocks;
    std::uint64_t delivered = 0;
    const auto onRow = [&](const CsvRow& r) {
        if (as.axisCount() == 0)
            as.setLayout(parser.axisNames(), vibra::core::Unit::G);
        BlockAssembler::Row row;
        row.time = r.time;
        row.index = r.index;
        row.values = r.values;
        as.add(row, 0);
        as.take(blocks, false);
    };
    const char* text = reinterpret_cast<const char*>(data + 1);
    const std::size_t n = size - 1;
    const std::size_t cut = n / 2;
    parser.feed({text, cut}, onRow);
    parser.feed({text + cut, n - cut}, onRow);
    parser.finish(onRow);
    as.finish();
    as.take(blocks, true);
    std::uint64_t next = 0;
    for (const auto& b : blocks) {
        if (b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()) ||
            b->count == 0 || b->firstSample < next || !(b->sampleRate() > 0))
            std::abort();
        next = b->firstSample + b->count;
        delivered += b->count;
    }
    const auto& s = parser.stats();
    const auto lines =
        static_cast<std::uint64_t>(std::count(text, text + n, '\n') + std::count(text, text + n, '\r')) + 1;
    if (delivered > s.rows || s.rows + s.malformed + s.headers + s.partial + s.otherDevice > lines)
        std::abort();
    return 0;
}
