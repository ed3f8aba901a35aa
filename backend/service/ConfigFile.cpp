#include "service/ConfigFile.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace vibra::service {

namespace {
enum class Type { String, Int, Number, Bool, StringList };

struct KeySpec {
    const char* key;
    const char* option;
    Type type;
    bool fromFile = false;
};

// Top-level keys: the options `record` and `serve` share (cli/RecorderOptions) plus trigger_dir.
constexpr KeySpec kTop[] = {
    {"sources", "source", Type::StringList},
    {"db", "db", Type::String},
    {"parquet", "parquet", Type::String},
    {"rotate", "rotate", Type::String},
    {"raw", "raw", Type::Bool},
    {"durable", "durable", Type::Bool},
    {"retain_raw", "retain-raw", Type::String},
    {"retain_rollups", "retain-rollups", Type::String},
    {"alarms", "alarm", Type::StringList},
    {"alarm_zone", "alarm-zone", Type::String},
    {"workers", "workers", Type::Int},
    {"max_devices", "max-devices", Type::Int},
    {"duration", "duration", Type::Number},
    {"quiet", "quiet", Type::Bool},
    {"verbose", "verbose", Type::Bool},
    {"report_json", "report-json", Type::String},
    {"trigger_dir", "trigger-dir", Type::String},
};
constexpr KeySpec kHttp[] = {
    {"listen", "http", Type::String},
    {"token", "token", Type::String},
    {"token_file", "token", Type::String, true},
    {"read_tokens", "read-token", Type::StringList},
    {"read_token_files", "read-token", Type::StringList, true},
    {"tls_cert", "tls-cert", Type::String},
    {"tls_key", "tls-key", Type::String},
    {"max_body", "max-body", Type::Int},
    {"max_connections", "max-connections", Type::Int},
    {"header_timeout", "header-timeout", Type::Number},
    {"idle_timeout", "idle-timeout", Type::Number},
    {"max_viewers", "max-viewers", Type::Int},
    {"viewer_queue_bytes", "viewer-queue-bytes", Type::Int},
};
constexpr KeySpec kWebhooks[] = {
    {"urls", "webhook", Type::StringList},
    {"attempts", "webhook-attempts", Type::Int},
    {"timeout", "webhook-timeout", Type::Number},
    {"queue", "webhook-queue", Type::Int},
    {"dead_letter", "webhook-dead-letter", Type::String},
};
// Keys of a [[triggers]] table: the `--trigger` spec keys (service/TriggerSpec).
constexpr const char* kTriggerKeys[] = {"name", "device",  "when", "every",    "duration", "pre",
                                        "post", "holdoff", "max",  "external", "upload",   "period"};

int lineOf(const toml::node& n) {
    return static_cast<int>(n.source().begin.line);
}

const char* typeName(Type t) {
    switch (t) {
    case Type::String:
        return "a string";
    case Type::Int:
        return "an integer";
    case Type::Number:
        return "a number";
    case Type::Bool:
        return "true or false";
    case Type::StringList:
        return "an array of strings";
    }
    return "?";
}

std::string numberText(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

template <std::size_t N> const KeySpec* find(const KeySpec (&specs)[N], std::string_view key) {
    for (const auto& s : specs)
        if (key == s.key)
            return &s;
    return nullptr;
}

template <std::size_t N> std::string keyList(const KeySpec (&specs)[N]) {
    std::string out;
    for (const auto& s : specs)
        out += (out.empty() ? "" : ", ") + std::string(s.key);
    return out;
}

struct Problem {
    int line;
    std::string key;
    std::string what;
};

/// A [[triggers]] entry (a table, or a spec string) as the `--trigger` spec "name=..;device=..;..." that
/// TriggerSpec::parse checks; empty with problems when a key is unknown or mistyped.
std::string triggerSpec(const toml::node& item, const std::string& key, std::vector<Problem>* problems) {
    if (item.is_string())
        return *item.value<std::string>();
    const auto* t = item.as_table();
    if (!t) {
        problems->push_back({lineOf(item), key, "expected a table or a trigger spec string"});
        return {};
    }
    std::string spec;
    const std::size_t before = problems->size();
    for (const auto& [k, v] : *t) {
        const std::string name(k.str());
        const std::string sub = key + "." + name;
        bool known = false;
        std::string list;
        for (const char* tk : kTriggerKeys) {
            known = known || name == tk;
            list += (list.empty() ? "" : ", ") + std::string(tk);
        }
        if (!known) {
            problems->push_back(
                {static_cast<int>(k.source().begin.line), sub, "unknown trigger key (known: " + list + ")"});
            continue;
        }
        if (name == "external") {
            if (!v.is_boolean())
                problems->push_back({lineOf(v), sub, "expected true or false"});
            else if (*v.value<bool>())
                spec += (spec.empty() ? "" : ";") + name;
            continue;
        }
        if (!v.is_string()) {
            const bool text = name == "when" || name == "name" || name == "device" || name == "upload";
            problems->push_back(
                {lineOf(v), sub,
                 text ? "expected a string" : "expected a duration string like \"2s\" or \"10min\""});
            continue;
        }
        const std::string value = *v.value<std::string>();
        if (value.find(';') != std::string::npos)
            problems->push_back({lineOf(v), sub, "must not contain ';'"});
        else
            spec += (spec.empty() ? "" : ";") + name + "=" + value;
    }
    return problems->size() == before ? spec : std::string();
}
/// True for the code points toml++ 3.3.0 cannot classify: is_non_ascii_horizontal_whitespace() splits
/// U+00A0..U+FEFF into blocks of 0x3FA and reaches an "unreachable" point for blocks 0, 11 and 63 other than
/// U+00A0, U+3000 and U+FEFF (undefined behaviour in its release build; found by tests/fuzz/fuzz_config.cpp).
bool tomlCannotClassify(std::uint32_t cp) {
    if (cp < 0xA0 || cp > 0xFEFF || cp == 0xA0 || cp == 0x3000 || cp == 0xFEFF)
        return false;
    const std::uint32_t block = (cp - 0xA0) / 0x3FA;
    return block == 0 || block == 11 || block == 63;
}

/// The line of a character toml++ must not see, or 0. It classifies every character of a malformed value it
/// looks ahead over, inside quotes or not, so those characters (U+00A1..U+0499 such as accented Latin
/// letters, U+2C8E..U+3087, U+FC06..U+FEFE) are refused outside comments; strings can carry them as \uXXXX
/// escapes.
int unsafeForToml(std::string_view text) {
    int line = 1;
    bool comment = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto cont = [&](std::size_t k) {
            return i + k < text.size() && (static_cast<unsigned char>(text[i + k]) & 0xC0u) == 0x80u
                       ? static_cast<std::uint32_t>(static_cast<unsigned char>(text[i + k]) & 0x3Fu)
                       : 0x100u;
        };
        std::uint32_t cp = 0;
        if (c == '\n') {
            ++line;
            comment = false;
        } else if (c == '#') {
            comment = true;
        } else if (comment) {
            continue;
        } else if ((c & 0xE0u) == 0xC0u && cont(1) < 0x100u) {
            cp = ((c & 0x1Fu) << 6) | cont(1);
        } else if ((c & 0xF0u) == 0xE0u && cont(1) < 0x100u && cont(2) < 0x100u) {
            cp = ((c & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
        }
        if (tomlCannotClassify(cp))
            return line;
    }
    return 0;
}
} // namespace

void ConfigFile::error(int line, const std::string& key, const std::string& what) {
    m_errors.push_back(m_path + ":" + std::to_string(line) + ": " +
                       (key.empty() ? "" : "key '" + key + "': ") + what);
}

std::string ConfigFile::origin(const Setting& s) const {
    return m_path + ":" + std::to_string(s.line) + ": key '" + s.key + "'";
}

bool ConfigFile::parse(std::string_view text, const std::string& path) {
    m_path = path;
    m_settings.clear();
    m_errors.clear();
    if (const int line = unsafeForToml(text)) {
        error(
            line, {},
            "this character (such as \u00e9) is only allowed in comments here; in \"strings\" write it as a "
            "\\uXXXX escape (a limit of the TOML library of Debian 12)");
        return false;
    }
    toml::table root;
#if TOML_EXCEPTIONS
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        error(static_cast<int>(e.source().begin.line), {}, "TOML syntax: " + std::string(e.description()));
        return false;
    }
#else
    auto parsed = toml::parse(text, path);
    if (!parsed) {
        error(static_cast<int>(parsed.error().source().begin.line), {},
              "TOML syntax: " + std::string(parsed.error().description()));
        return false;
    }
    root = std::move(parsed).table();
#endif

    // One typed value into settings (or an error naming the key).
    auto take = [this](const KeySpec& spec, const std::string& key, const toml::node& v) {
        const int line = lineOf(v);
        auto add = [&](std::string value, int at, const std::string& k) {
            m_settings.push_back({spec.option, std::move(value), k, at, false, spec.fromFile});
        };
        switch (spec.type) {
        case Type::String:
            if (!v.is_string())
                return error(line, key, std::string("expected ") + typeName(spec.type));
            return add(*v.value<std::string>(), line, key);
        case Type::Int:
            if (!v.is_integer())
                return error(line, key, std::string("expected ") + typeName(spec.type));
            return add(std::to_string(*v.value<std::int64_t>()), line, key);
        case Type::Number:
            if (!v.is_number())
                return error(line, key, std::string("expected ") + typeName(spec.type));
            return add(numberText(*v.value<double>()), line, key);
        case Type::Bool:
            if (!v.is_boolean())
                return error(line, key, std::string("expected ") + typeName(spec.type));
            if (*v.value<bool>())
                m_settings.push_back({spec.option, {}, key, line, true, false});
            return;
        case Type::StringList: {
            const auto* a = v.as_array();
            if (!a)
                return error(line, key, std::string("expected ") + typeName(spec.type));
            for (std::size_t i = 0; i < a->size(); ++i) {
                const auto& item = *a->get(i);
                const std::string k = key + "[" + std::to_string(i) + "]";
                if (!item.is_string())
                    error(lineOf(item), k, "expected a string");
                else
                    add(*item.value<std::string>(), lineOf(item), k);
            }
            return;
        }
        }
    };
    auto section = [&](const toml::table& t, const std::string& prefix, const auto& specs, const char* what) {
        for (const auto& [k, v] : t) {
            const std::string key = prefix + std::string(k.str());
            if (const KeySpec* s = find(specs, k.str()))
                take(*s, key, v);
            else
                error(static_cast<int>(k.source().begin.line), key,
                      std::string("unknown key in ") + what + " (known: " + keyList(specs) + ")");
        }
    };

    for (const auto& [k, v] : root) {
        const std::string key(k.str());
        const int line = static_cast<int>(k.source().begin.line);
        if (key == "http" || key == "webhooks") {
            const auto* t = v.as_table();
            if (!t) {
                error(line, key, "expected a table ([" + key + "])");
                continue;
            }
            if (key == "http")
                section(*t, "http.", kHttp, "[http]");
            else
                section(*t, "webhooks.", kWebhooks, "[webhooks]");
        } else if (key == "triggers") {
            const auto* a = v.as_array();
            if (!a) {
                error(line, key, "expected [[triggers]] tables or an array of trigger specs");
                continue;
            }
            for (std::size_t i = 0; i < a->size(); ++i) {
                const std::string tk = "triggers[" + std::to_string(i) + "]";
                std::vector<Problem> problems;
                std::string spec = triggerSpec(*a->get(i), tk, &problems);
                for (const auto& p : problems)
                    error(p.line, p.key, p.what);
                if (problems.empty())
                    m_settings.push_back({"trigger", std::move(spec), tk, lineOf(*a->get(i)), false, false});
            }
        } else if (const KeySpec* s = find(kTop, key)) {
            take(*s, key, v);
        } else {
            error(line, key,
                  "unknown key (known: " + keyList(kTop) + ", triggers, and the tables [http], [webhooks])");
        }
    }
    // token and token_file name the same thing.
    int tokens = 0;
    for (const auto& s : m_settings)
        tokens += s.option == "token" ? 1 : 0;
    if (tokens > 1)
        error(1, "http.token", "give http.token or http.token_file, not both");
    return m_errors.empty();
}

bool ConfigFile::resolveFiles() {
    for (auto& s : m_settings) {
        if (!s.fromFile)
            continue;
        std::ifstream in(s.value);
        std::string first;
        if (!in || !std::getline(in, first)) {
            m_errors.push_back(origin(s) + ": cannot read '" + s.value + "'");
            continue;
        }
        while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t'))
            first.pop_back();
        if (first.empty()) {
            m_errors.push_back(origin(s) + ": '" + s.value + "' is empty (the token is its first line)");
            continue;
        }
        s.value = first;
        s.fromFile = false;
    }
    return m_errors.empty();
}

bool ConfigFile::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        m_path = path;
        m_settings.clear();
        m_errors = {path + ": cannot open the configuration file"};
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    if (!parse(ss.str(), path))
        return false;
    return resolveFiles();
}

} // namespace vibra::service
