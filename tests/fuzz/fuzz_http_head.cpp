// libFuzzer target: bytes -> HttpHeadParser (backend/service), fed whole and in pieces.
// Invariants: no crash/UB; the incremental scan agrees with itself however the bytes are split (the same
// result, head and error status); a parsed head stays within the limits, its header names are lower case and
// its length within the input; errors are one of the documented statuses.
#include "service/HttpHeadParser.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

using vibra::service::HttpHeadParser;

namespace {
HttpHeadParser::Result scanInPieces(HttpHeadParser& p, std::string_view input, std::size_t step) {
    HttpHeadParser::Result r = HttpHeadParser::Result::NeedMore;
    for (std::size_t n = step; r == HttpHeadParser::Result::NeedMore; n += step) {
        r = p.scan(input.substr(0, std::min(n, input.size())));
        if (n >= input.size())
            break;
    }
    return r;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    HttpHeadParser::Limits limits;
    limits.maxHeadBytes = 64 + (data[0] & 0x3f) * 64; // 64 .. 4096
    limits.maxHeaders = 1 + (data[0] >> 6) * 8;
    const std::size_t step = 1 + (size > 1 ? data[1] % 17 : 0);
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

    HttpHeadParser whole(limits);
    const auto r1 = whole.scan(input);
    HttpHeadParser pieces(limits);
    const auto r2 = scanInPieces(pieces, input, step);
    if (r1 != r2)
        std::abort();
    if (r1 == HttpHeadParser::Result::Error) {
        const int s = whole.errorStatus();
        if (s != pieces.errorStatus() || (s != 400 && s != 414 && s != 431 && s != 501 && s != 505))
            std::abort();
        return 0;
    }
    if (r1 != HttpHeadParser::Result::Done)
        return 0;
    const auto& h = whole.head();
    if (whole.headBytes() != pieces.headBytes() || whole.headBytes() > input.size() ||
        whole.headBytes() > limits.maxHeadBytes || h.headers.size() > limits.maxHeaders ||
        h.method != pieces.head().method || h.target != pieces.head().target ||
        h.headers != pieces.head().headers || h.method.empty())
        std::abort();
    for (const auto& [name, value] : h.headers)
        for (const char c : name)
            if (std::isupper(static_cast<unsigned char>(c)))
                std::abort();
    return 0;
}
