#include "legacy/JsonBlock.h"

#include "decode/Base64.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace vibra::legacy {
using namespace vibra::decode;

namespace {

bool setError(std::string* error, const char* msg) {
    if (error)
        *error = msg;
    return false;
}

// Integer member in [lo, hi]; absent -> def (or failure when required).
bool intMember(const Json& doc, std::string_view key, std::int64_t lo, std::int64_t hi, bool required,
               std::int64_t def, std::int64_t& out) {
    const Json* v = doc.find(key);
    if (!v) {
        out = def;
        return !required;
    }
    if (!v->isNumber() || !v->isInteger() || v->integer() < lo || v->integer() > hi)
        return false;
    out = v->integer();
    return true;
}

} // namespace

bool JsonBlock::looksLike(const Json& doc) {
    return doc.isObject() && doc.find("v") && doc.find("seq");
}

bool JsonBlock::decode(std::string_view text, DecodedFrame& out, std::string* error) {
    Json doc;
    std::string perr;
    if (!Json::parse(text, doc, &perr)) {
        if (error)
            *error = "invalid JSON: " + perr;
        return false;
    }
    return decode(doc, out, error);
}

bool JsonBlock::decode(const Json& doc, DecodedFrame& out, std::string* error) {
    if (!doc.isObject())
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
    if (const Json* u = doc.find("utc")) {
        if (!u->isBool())
            return setError(error, "'utc' must be true or false");
        h.flags = u->boolean() ? FrameHeader::kFlagT0Utc : 0;
    }
    const Json* rate = doc.find("rate_hz");
    if (!rate || !rate->isNumber())
        return setError(error, "'rate_hz' (number) is required");
    h.rateHz = rate->number();
    if (const Json* s = doc.find("scale")) {
        if (!s->isNumber())
            return setError(error, "'scale' must be a number");
        h.scale = static_cast<float>(s->number());
    }
    if (const Json* u = doc.find("unit")) {
        if (!u->isString() || (u->string() != "g" && u->string() != "m/s2"))
            return setError(error, "'unit' must be \"g\" or \"m/s2\"");
        h.unit = u->string() == "g" ? core::Unit::G : core::Unit::MetersPerSecond2;
    }
    if (!intMember(doc, "axes", 1, 3, false, 0, v))
        return setError(error, "'axes' must be 1, 2 or 3");
    std::int64_t axes = v;
    std::int64_t n = 0;
    if (!intMember(doc, "n", 1, kMaxSamples, false, 0, n))
        return setError(error, "'n' must be an integer in [1, 16384]");

    const Json* data = doc.find("data");
    const Json* samples = doc.find("samples");
    if ((data != nullptr) == (samples != nullptr))
        return setError(error, "exactly one of 'data' (base64) or 'samples' (array) is required");
    if (data) {
        const Json* fmt = doc.find("fmt");
        if (!fmt || !fmt->isString())
            return setError(error, "'fmt' (\"i16\", \"i32\" or \"f32\") is required with 'data'");
        const std::string& f = fmt->string();
        if (f == "i16" || f == "i16le")
            h.format = SampleFormat::Int16;
        else if (f == "i32" || f == "i32le")
            h.format = SampleFormat::Int32;
        else if (f == "f32" || f == "f32le")
            h.format = SampleFormat::Float32;
        else
            return setError(error, "'fmt' must be \"i16\", \"i32\" or \"f32\"");
        if (!data->isString())
            return setError(error, "'data' must be a base64 string");
        if (axes == 0)
            axes = 3;
        std::vector<std::uint8_t> bytes;
        if (!Base64::decode(data->string(), bytes, FrameCodec::kMaxPayloadBytes))
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
    if (!samples->isArray() || samples->array().empty() || samples->array().size() > kMaxSamples)
        return setError(error, "'samples' must be a non-empty array of at most 16384 samples");
    const auto& rows = samples->array();
    const std::size_t count = rows.size();
    if (n != 0 && static_cast<std::size_t>(n) != count)
        return setError(error, "'n' does not match the number of samples");
    if (!rows[0].isArray())
        return setError(error, "each sample must be an array of 1 to 3 numbers");
    if (axes == 0)
        axes = static_cast<std::int64_t>(rows[0].array().size());
    if (axes < 1 || axes > 3)
        return setError(error, "each sample must be an array of 1 to 3 numbers");
    h.axes = static_cast<std::uint8_t>(axes);
    h.count = static_cast<std::uint16_t>(count);
    if (FrameCodec::checkHeader(h) != FrameError::None)
        return setError(error, "header field out of range (rate_hz, scale)");
    out.planar.resize(count * static_cast<std::size_t>(axes));
    for (std::size_t i = 0; i < count; ++i) {
        if (!rows[i].isArray() || rows[i].array().size() != static_cast<std::size_t>(axes))
            return setError(error, "every sample must have the same number of axes");
        for (std::size_t a = 0; a < static_cast<std::size_t>(axes); ++a) {
            const Json& x = rows[i].array()[a];
            if (!x.isNumber() || !std::isfinite(x.number()))
                return setError(error, "sample values must be finite numbers");
            out.planar[a * count + i] = static_cast<float>(x.number() * h.scale);
        }
    }
    return true;
}

std::string JsonBlock::encode(const FrameHeader& h, std::span<const double> raw) {
    std::vector<std::uint8_t> frame;
    FrameCodec::encode(h, raw, frame);
    const std::span<const std::uint8_t> payload =
        std::span<const std::uint8_t>(frame).subspan(FrameCodec::kHeaderBytes, h.payloadBytes());
    char head[512];
    std::snprintf(head, sizeof head,
                  "{\"v\":1,\"dev\":%u,\"seq\":%u,\"first\":%llu,\"t0_ns\":%lld,\"utc\":%s,\"rate_hz\":%.17g,"
                  "\"axes\":%u,\"fmt\":\"%s\",\"scale\":%.9g,\"unit\":\"%s\",\"n\":%u,\"data\":\"",
                  unsigned{h.device}, unsigned{h.sequence}, static_cast<unsigned long long>(h.firstSample),
                  static_cast<long long>(h.t0Ns), h.t0IsUtc() ? "true" : "false", h.rateHz, unsigned{h.axes},
                  std::string(sampleFormatName(h.format)).c_str(), static_cast<double>(h.scale),
                  h.unit == core::Unit::G ? "g" : "m/s2", unsigned{h.count});
    return std::string(head) + Base64::encode(payload) + "\"}";
}

} // namespace vibra::legacy
