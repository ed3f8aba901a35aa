#include "redis/RedisUrl.h"

#include <charconv>

namespace vibra::redis {

namespace {

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool percentDecode(std::string_view in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out->push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size())
            return false;
        const int hi = hexDigit(in[i + 1]), lo = hexDigit(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

bool validPrefix(std::string_view p) {
    if (p.empty() || p.size() > 128)
        return false;
    for (char c : p)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.' || c == ':'))
            return false;
    return true;
}

} // namespace

bool RedisUrl::parse(std::string_view text, RedisUrl* out, std::string* error) {
    const auto fail = [error](const std::string& m) {
        *error = m;
        return false;
    };
    RedisUrl u;
    constexpr std::string_view kScheme = "redis://";
    if (text.substr(0, 9) == "rediss://")
        return fail("rediss:// (TLS) is not supported: hiredis 0.14 has no TLS; use an stunnel or a VPN");
    if (text.substr(0, kScheme.size()) != kScheme)
        return fail("expected redis://HOST[:PORT][/PREFIX][?key=value...]");
    std::string_view rest = text.substr(kScheme.size());
    std::string_view queryText;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        queryText = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    std::string_view path;
    if (const auto s = rest.find('/'); s != std::string_view::npos) {
        path = rest.substr(s + 1);
        rest = rest.substr(0, s);
    }
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (const auto colon = cred.find(':'); colon != std::string_view::npos)
            cred = cred.substr(colon + 1); // redis://user:pass@ -> ACL users are not supported: pass only
        if (!percentDecode(cred, &u.password))
            return fail("bad percent-encoding in the password");
    }
    std::string_view portText;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos)
            return fail("unterminated [IPv6] host");
        u.host = std::string(rest.substr(1, close - 1));
        rest = rest.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return fail("unexpected text after ]");
            portText = rest.substr(1);
        }
    } else {
        const auto colon = rest.rfind(':');
        u.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos)
            portText = rest.substr(colon + 1);
    }
    if (u.host.empty())
        return fail("missing host in the redis:// URL");
    if (u.host.find_first_of(":/@[] ") != std::string::npos && text.find('[') == std::string_view::npos)
        return fail("bad host '" + u.host + "'");
    if (!portText.empty() || rest.find(':') != std::string_view::npos) {
        int port = 0;
        const auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
        if (portText.empty() || ec != std::errc() || p != portText.data() + portText.size() || port < 1 ||
            port > 65535)
            return fail("bad port '" + std::string(portText) + "' (1..65535)");
        u.port = port;
    }
    if (!path.empty()) {
        if (!validPrefix(path))
            return fail("bad stream prefix '" + std::string(path) +
                        "' (1..128 characters of A-Z a-z 0-9 _ - . :)");
        u.prefix = std::string(path);
    }
    while (!queryText.empty()) {
        const auto amp = queryText.find('&');
        const std::string_view pair = queryText.substr(0, amp);
        queryText = amp == std::string_view::npos ? std::string_view{} : queryText.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        std::string key, value;
        if (!percentDecode(pair.substr(0, eq), &key) ||
            (eq != std::string_view::npos && !percentDecode(pair.substr(eq + 1), &value)))
            return fail("bad percent-encoding in the query");
        if (key.empty())
            return fail("empty query key");
        u.query[key] = value;
    }
    long long db = 0;
    if (!u.integer("db", 0, 0, 1000, &db, error))
        return false;
    u.db = static_cast<int>(db);
    *out = std::move(u);
    return true;
}

std::string RedisUrl::display() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + prefix;
}

std::string RedisUrl::value(const std::string& key, const std::string& def) const {
    const auto it = query.find(key);
    return it == query.end() ? def : it->second;
}

bool RedisUrl::integer(const std::string& key, long long def, long long min, long long max, long long* out,
                       std::string* error) const {
    const auto it = query.find(key);
    if (it == query.end()) {
        *out = def;
        return true;
    }
    const std::string& s = it->second;
    long long v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
        *error = "bad " + key + "='" + s + "' (an integer in " + std::to_string(min) + ".." +
                 std::to_string(max) + ")";
        return false;
    }
    *out = v;
    return true;
}

} // namespace vibra::redis
