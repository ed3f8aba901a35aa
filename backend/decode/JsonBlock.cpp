#include "decode/JsonBlock.h"

#include "decode/Base64.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace vibra::decode {

using nlohmann::json;

bool parseJson(std::string_view text, json& out, std::string* error) {
    try {
        out = json::parse(text.begin(), text.end());
        return true;
    } catch (const json::exception& e) {
        if (error) {
            // "[json.exception.parse_error.101] parse error at line 1, column 4: ..." -> from "parse error"
            std::string_view what = e.what();
            if (const auto pos = what.find("] "); pos != std::string_view::npos)
                what.remove_prefix(pos + 2);
            *error = std::string(what);
        }
        return false;
    }
}

bool jsonInt64(const json& v, std::int64_t& out) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return false;
        out = static_cast<std::int64_t>(u);
        return true;
    }
    if (v.is_number_integer()) {
        out = v.get<std::int64_t>();
        return true;
    }
    return false;
}

namespace {

bool setError(std::string* error, const char* msg) {
    if (error)
        *error = msg;
    return false;
}

const json* member(const json& doc, const char* key) {
    const auto it = doc.find(key);
    return it == doc.end() ? nullptr : &*it;
}

// Integer member in [lo, hi]; absent -> def (or failure when required).
bool intMember(const json& doc, const char* key, std::int64_t lo, std::int64_t hi, bool required,
               std::int64_t def, std::int64_t& out) {
    const json* v = member(doc, key);
    if (!v) {
        out = def;
        return !required;
    }
    std::int64_t x = 0;
    if (!jsonInt64(*v, x) || x < lo || x > hi)
        return false;
    out = x;
    return true;
}

} // namespace

bool JsonBlock::looksLike(const json& doc) {
    return doc.is_object() && doc.contains("v") && doc.contains("seq");
}

bool JsonBlock::decode(std::string_view text, DecodedFrame& out, std::string* error) {
    json doc;
    std::string perr;
    if (!parseJson(text, doc, &perr)) {
        if (error)
            *error = "invalid JSON: " + perr;
        return false;
    }
    return decodeDocument(doc, out, error);
}

bool JsonBlock::decodeDocument(const json& doc, DecodedFrame& out, std::string* error) {
    if (!doc.is_object())
        return setError(error, "JSON block must be an object");
    FrameHeader& h = out.header;
    h = FrameHeader{};
    std::int64_t v = 0;
    if (!intMember(doc, "v", 1, 1, true, 1, v))
        return setError(error, "'v' must be 1");
    if (!intMember(doc, "dev", 0, 65535, false, 0, v))
        return setError(error, "'dev' must be an integer in [0, 65535]");
    h.device = static_cast<std::uint16_t>(v);
    if (!intMember(doc, "seq", 0, 0xFFFFFFFFll, true, 0, v))
        return setError(error, "'seq' must be an integer in [0, 2^32)");
    h.sequence = static_cast<std::uint32_t>(v);
    if (!intMember(doc, "first", 0, std::numeric_limits<std::int64_t>::max(), true, 0, v))
        return setError(error, "'first' must be a non-negative integer");
    h.firstSample = static_cast<std::uint64_t>(v);
    if (!intMember(doc, "t0_ns", std::numeric_limits<std::int64_t>::min(),
                   std::numeric_limits<std::int64_t>::max(), false, 0, v))
        return setError(error, "'t0_ns' must be an integer");
    h.t0Ns = v;
    if (const json* u = member(doc, "utc")) {
        if (!u->is_boolean())
            return setError(error, "'utc' must be true or false");
        h.flags = u->get<bool>() ? FrameHeader::kFlagT0Utc : 0;
    }
    const json* rate = member(doc, "rate_hz");
    if (!rate || !rate->is_number())
        return setError(error, "'rate_hz' (number) is required");
    h.rateHz = rate->get<double>();
    if (const json* s = member(doc, "scale")) {
        if (!s->is_number())
            return setError(error, "'scale' must be a number");
        h.scale = static_cast<float>(s->get<double>());
    }
    if (const json* u = member(doc, "unit")) {
        const std::string* unit = u->get_ptr<const std::string*>();
        if (!unit || (*unit != "g" && *unit != "m/s2"))
            return setError(error, "'unit' must be \"g\" or \"m/s2\"");
        h.unit = *unit == "g" ? core::Unit::G : core::Unit::MetersPerSecond2;
    }
    if (!intMember(doc, "axes", 1, 3, false, 0, v))
        return setError(error, "'axes' must be 1, 2 or 3");
    std::int64_t axes = v;
    std::int64_t n = 0;
    if (!intMember(doc, "n", 1, kMaxSamples, false, 0, n))
        return setError(error, "'n' must be an integer in [1, 16384]");

    const json* data = member(doc, "data");
    const json* samples = member(doc, "samples");
    if ((data != nullptr) == (samples != nullptr))
        return setError(error, "exactly one of 'data' (base64) or 'samples' (array) is required");
    if (data) {
        const json* fmt = member(doc, "fmt");
        const std::string* fp = fmt ? fmt->get_ptr<const std::string*>() : nullptr;
        if (!fp)
            return setError(error, "'fmt' (\"i16\", \"i32\" or \"f32\") is required with 'data'");
        const std::string& f = *fp;
        if (f == "i16" || f == "i16le")
            h.format = SampleFormat::Int16;
        else if (f == "i32" || f == "i32le")
            h.format = SampleFormat::Int32;
        else if (f == "f32" || f == "f32le")
            h.format = SampleFormat::Float32;
        else
            return setError(error, "'fmt' must be \"i16\", \"i32\" or \"f32\"");
        const std::string* text = data->get_ptr<const std::string*>();
        if (!text)
            return setError(error, "'data' must be a base64 string");
        if (axes == 0)
            axes = 3;
        std::vector<std::uint8_t> bytes;
        if (!Base64::decode(*text, bytes, FrameCodec::kMaxPayloadBytes))
            return setError(error, "'data' is not valid base64 or is too long");
        const std::size_t per = static_cast<std::size_t>(axes) * sampleFormatSize(h.format);
        if (bytes.empty() || bytes.size() % per != 0)
            return setError(error, "'data' length is not a whole number of samples");
        const std::size_t count = bytes.size() / per;
        if (n != 0 && static_cast<std::size_t>(n) != count)
            return setError(error, "'n' does not match the length of 'data'");
        if (count > 65535)
            return setError(error, "too many samples in one block");
        h.axes = static_cast<std::uint8_t>(axes);
        h.count = static_cast<std::uint16_t>(count);
        if (FrameCodec::checkHeader(h) != FrameError::None)
            return setError(error, "header field out of range (rate_hz, scale)");
        FrameCodec::payloadToPlanar(h, bytes, out.planar);
        return true;
    }
    // "samples": [[x,y,z], ...] raw values (multiplied by scale), formatted as float32.
    h.format = SampleFormat::Float32;
    if (!samples->is_array() || samples->empty() || samples->size() > kMaxSamples)
        return setError(error, "'samples' must be a non-empty array of at most 16384 samples");
    const json& rows = *samples;
    const std::size_t count = rows.size();
    if (n != 0 && static_cast<std::size_t>(n) != count)
        return setError(error, "'n' does not match the number of samples");
    if (!rows[0].is_array())
        return setError(error, "each sample must be an array of 1 to 3 numbers");
    if (axes == 0)
        axes = static_cast<std::int64_t>(rows[0].size());
    if (axes < 1 || axes > 3)
        return setError(error, "each sample must be an array of 1 to 3 numbers");
    h.axes = static_cast<std::uint8_t>(axes);
    h.count = static_cast<std::uint16_t>(count);
    if (FrameCodec::checkHeader(h) != FrameError::None)
        return setError(error, "header field out of range (rate_hz, scale)");
    out.planar.resize(count * static_cast<std::size_t>(axes));
    for (std::size_t i = 0; i < count; ++i) {
        const json& row = rows[i];
        if (!row.is_array() || row.size() != static_cast<std::size_t>(axes))
            return setError(error, "every sample must have the same number of axes");
        for (std::size_t a = 0; a < static_cast<std::size_t>(axes); ++a) {
            const json& x = row[a];
            if (!x.is_number() || !std::isfinite(x.get<double>()))
                return setError(error, "sample values must be finite numbers");
            out.planar[a * count + i] = static_cast<float>(x.get<double>() * h.scale);
        }
    }
    return true;
}

std::string JsonBlock::encode(const FrameHeader& h, std::span<const double> raw) {
    std::vector<std::uint8_t> frame;
    FrameCodec::encode(h, raw, frame);
    const std::span<const std::uint8_t> payload =
        std::span<const std::uint8_t>(frame).subspan(FrameCodec::kHeaderBytes, h.payloadBytes());
    const json doc = {{"v", 1},
                      {"dev", h.device},
                      {"seq", h.sequence},
                      {"first", h.firstSample},
                      {"t0_ns", h.t0Ns},
                      {"utc", h.t0IsUtc()},
                      {"rate_hz", h.rateHz},
                      {"axes", h.axes},
                      {"fmt", std::string(sampleFormatName(h.format))},
                      {"scale", static_cast<double>(h.scale)},
                      {"unit", h.unit == core::Unit::G ? "g" : "m/s2"},
                      {"n", h.count},
                      {"data", Base64::encode(payload)}};
    return doc.dump();
}

} // namespace vibra::decode
