#pragma once

#include <map>
#include <string>
#include <string_view>

namespace vibra::redis {

/// `redis://[:PASSWORD@]HOST[:PORT][/PREFIX][?key=value&...]`: where a publisher writes or a consumer
/// reads. PREFIX (default "vibra") names the streams (`PREFIX:{dev:ID}`, see StreamKeys); query keys are
/// left to the user (publisher: maxlen, buffer; consumer: group, consumer, ...), percent-decoded.
/// Hosts: a name or IPv4 address; IPv6 in brackets. No TLS (hiredis 0.14 has none): `rediss://` is refused
/// with a message.
struct RedisUrl {
    std::string host;
    int port = 6379;
    std::string password;
    int db = 0;
    std::string prefix = "vibra";
    std::map<std::string, std::string> query;

    /// Parses text; false with a message naming what is wrong.
    static bool parse(std::string_view text, RedisUrl* out, std::string* error);
    /// host:port/prefix (no password), for messages.
    std::string display() const;
    /// A query value, or def when absent.
    std::string value(const std::string& key, const std::string& def = {}) const;
    /// A query value that must be an integer in [min, max]; def when absent. False with a message if invalid.
    bool integer(const std::string& key, long long def, long long min, long long max, long long* out,
                 std::string* error) const;
};

} // namespace vibra::redis
