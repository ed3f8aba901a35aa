#pragma once

#include "decode/Frame.h"
#include "legacy/Json.h"

#include <string>
#include <string_view>

namespace vibra::legacy {
using namespace vibra::decode;

/// The JSON form of a Vibrascope frame (docs/protocol.md, "JSON form"): same fields as the binary header,
/// samples either as base64 of the binary payload ("data") or as an array of per-sample arrays ("samples").
/// Pure functions, any thread.
class JsonBlock {
public:
    /// Max samples per axis accepted in one JSON block (the binary limit applies to "data" too).
    static constexpr std::size_t kMaxSamples = 16384;

    /// Parses text into out (values in physical units, planar). On failure returns false and sets *error.
    static bool decode(std::string_view text, DecodedFrame& out, std::string* error = nullptr);
    /// Same, for an already parsed document (used when the caller sniffs the message type first).
    static bool decode(const Json& doc, DecodedFrame& out, std::string* error = nullptr);
    /// True when doc looks like a JSON block (has "v" and "seq").
    static bool looksLike(const Json& doc);
    /// Encodes a header and interleaved raw values as a JSON block with base64 "data".
    static std::string encode(const FrameHeader& header, std::span<const double> interleavedRaw);
};

} // namespace vibra::legacy
