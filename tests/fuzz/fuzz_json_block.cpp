// libFuzzer target: JSON (nlohmann-json) + JSON block decoder.
// Invariants: no crash/UB/stack overflow; an accepted block has count * axes values; a rejection has a
// message.
#include "decode/JsonBlock.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json doc;
    std::string err;
    if (parseJson(text, doc, &err)) {
        DecodedFrame f;
        if (JsonBlock::decodeDocument(doc, f, &err)) {
            if (f.planar.size() != std::size_t{f.header.count} * f.header.axes || f.header.count == 0)
                std::abort();
            // encode -> decode round trip keeps the header
            DecodedFrame g;
            if (f.header.format != SampleFormat::Float32) {
                std::vector<double> raw(f.planar.size());
                if (!JsonBlock::decode(JsonBlock::encode(f.header, raw), g, &err) ||
                    g.header.sequence != f.header.sequence || g.header.count != f.header.count)
                    std::abort();
            }
        } else if (err.empty()) {
            std::abort();
        }
    } else if (err.empty()) {
        std::abort();
    }
    return 0;
}
