#pragma once

#include <string>

namespace vibra::redis {

/// Key names shared by publisher and consumer. Every key of a device carries the hash tag `{dev:ID}`, so a
/// Redis Cluster keeps a device's keys on one shard (and spreads devices over shards).
struct StreamKeys {
    /// The raw-block stream of a device: `PREFIX:{dev:ID}`.
    static std::string device(const std::string& prefix, const std::string& id) {
        return prefix + ":{dev:" + id + "}";
    }
    /// The features stream of a device (`--publish …?mode=features`: rollups and events):
    /// `PREFIX:{dev:ID}:features`.
    static std::string features(const std::string& prefix, const std::string& id) {
        return device(prefix, id) + ":features";
    }
    /// The device id of a features stream key, or "" when the key does not have that shape.
    static std::string deviceOfFeatures(const std::string& prefix, const std::string& key) {
        const std::string head = prefix + ":{dev:", tail = "}:features";
        if (key.size() <= head.size() + tail.size() || key.compare(0, head.size(), head) != 0 ||
            key.compare(key.size() - tail.size(), tail.size(), tail) != 0)
            return {};
        return key.substr(head.size(), key.size() - head.size() - tail.size());
    }
    /// SCAN MATCH pattern of every device stream under prefix (the prefix has no glob characters).
    static std::string devicePattern(const std::string& prefix) { return prefix + ":{dev:*}"; }
    /// Dead-letter stream of a consumer group: `PREFIX:dead:GROUP`.
    static std::string deadLetter(const std::string& prefix, const std::string& group) {
        return prefix + ":dead:" + group;
    }
};

} // namespace vibra::redis
