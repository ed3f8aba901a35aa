#pragma once

#include "decode/Frame.h"

#include <nlohmann/json_fwd.hpp>

#include <span>
#include <string>
#include <string_view>

namespace vibra::decode {

/// The JSON form of a Vibrascope frame (docs/protocol.md, "JSON form"): same fields as the binary header,
/// samples either as base64 of the binary payload ("data") or as an array of per-sample arrays ("samples").
/// JSON is parsed by nlohmann-json (strict RFC 8259, UTF-8 checked). Pure functions, any thread.
class JsonBlock {
public:
    /// Max samples per axis accepted in one JSON block (the binary limit applies to "data" too).
    static constexpr std::size_t kMaxSamples = 16384;

    /// Parses text into out (values in physical units, planar). On failure returns false and sets *error.
    static bool decode(std::string_view text, DecodedFrame& out, std::string* error = nullptr);
    /// Same, for an already parsed document (used when the caller sniffs the message type first).
    static bool decodeDocument(const nlohmann::json& doc, DecodedFrame& out, std::string* error = nullptr);
    /// True when doc looks like a JSON block (has "v" and "seq").
    static bool looksLike(const nlohmann::json& doc);
    /// Encodes a header and interleaved raw values as a JSON block with base64 "data".
    static std::string encode(const FrameHeader& header, std::span<const double> interleavedRaw);
};

/// Parses a whole JSON document (surrounding whitespace allowed) with nlohmann-json. Returns false and sets
/// *error (with the position) on invalid JSON or invalid UTF-8. Any thread.
bool parseJson(std::string_view text, nlohmann::json& out, std::string* error = nullptr);

/// The integer value of v when it is a JSON integer that fits in int64 (nanosecond timestamps exceed 2^53, so
/// they must not go through double).
bool jsonInt64(const nlohmann::json& v, std::int64_t& out);

} // namespace vibra::decode
