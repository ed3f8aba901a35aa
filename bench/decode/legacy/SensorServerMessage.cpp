#include "legacy/SensorServerMessage.h"

#include <cmath>

namespace vibra::legacy {

bool SensorServerMessage::looksLike(const Json& doc) {
    return doc.isObject() && doc.find("values") && doc.find("timestamp");
}

bool SensorServerMessage::parse(std::string_view text, SensorServerMessage& out, std::string* error) {
    Json doc;
    std::string perr;
    if (!Json::parse(text, doc, &perr)) {
        if (error)
            *error = "invalid JSON: " + perr;
        return false;
    }
    return parse(doc, out, error);
}

bool SensorServerMessage::parse(const Json& doc, SensorServerMessage& out, std::string* error) {
    const auto bad = [error](const char* m) {
        if (error)
            *error = m;
        return false;
    };
    if (!doc.isObject())
        return bad("SensorServer message must be an object");
    const Json* values = doc.find("values");
    if (!values || !values->isArray() || values->array().empty() || values->array().size() > 3)
        return bad("'values' must be an array of 1 to 3 numbers");
    out.axes = static_cast<int>(values->array().size());
    for (int a = 0; a < out.axes; ++a) {
        const Json& v = values->array()[static_cast<std::size_t>(a)];
        if (!v.isNumber() || !std::isfinite(v.number()))
            return bad("'values' must hold finite numbers");
        out.values[static_cast<std::size_t>(a)] = v.number();
    }
    const Json* ts = doc.find("timestamp");
    if (!ts || !ts->isNumber() || !ts->isInteger() || ts->integer() < 0)
        return bad("'timestamp' must be a non-negative integer (ns)");
    out.timestampNs = ts->integer();
    out.accuracy = -1;
    if (const Json* acc = doc.find("accuracy");
        acc && acc->isNumber() && acc->isInteger() && acc->integer() >= -1 && acc->integer() <= 3)
        out.accuracy = static_cast<int>(acc->integer());
    out.type.clear();
    if (const Json* t = doc.find("type"); t && t->isString())
        out.type = t->string();
    return true;
}

} // namespace vibra::legacy
