#include "decode/SensorServerMessage.h"

#include "decode/JsonBlock.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace vibra::decode {

using nlohmann::json;

bool SensorServerMessage::looksLike(const json& doc) {
    return doc.is_object() && doc.contains("values") && doc.contains("timestamp");
}

bool SensorServerMessage::parse(std::string_view text, SensorServerMessage& out, std::string* error) {
    json doc;
    std::string perr;
    if (!parseJson(text, doc, &perr)) {
        if (error)
            *error = "invalid JSON: " + perr;
        return false;
    }
    return parseDocument(doc, out, error);
}

bool SensorServerMessage::parseDocument(const json& doc, SensorServerMessage& out, std::string* error) {
    const auto bad = [error](const char* m) {
        if (error)
            *error = m;
        return false;
    };
    if (!doc.is_object())
        return bad("SensorServer message must be an object");
    const auto values = doc.find("values");
    if (values == doc.end() || !values->is_array() || values->empty() || values->size() > 3)
        return bad("'values' must be an array of 1 to 3 numbers");
    out.axes = static_cast<int>(values->size());
    for (int a = 0; a < out.axes; ++a) {
        const json& v = (*values)[static_cast<std::size_t>(a)];
        if (!v.is_number() || !std::isfinite(v.get<double>()))
            return bad("'values' must hold finite numbers");
        out.values[static_cast<std::size_t>(a)] = v.get<double>();
    }
    const auto ts = doc.find("timestamp");
    std::int64_t t = 0;
    if (ts == doc.end() || !jsonInt64(*ts, t) || t < 0)
        return bad("'timestamp' must be a non-negative integer (ns)");
    out.timestampNs = t;
    out.accuracy = -1;
    if (const auto acc = doc.find("accuracy"); acc != doc.end()) {
        std::int64_t a = 0;
        if (jsonInt64(*acc, a) && a >= -1 && a <= 3)
            out.accuracy = static_cast<int>(a);
    }
    out.type.clear();
    if (const auto type = doc.find("type"); type != doc.end() && type->is_string())
        out.type = type->get<std::string>();
    return true;
}

} // namespace vibra::decode
