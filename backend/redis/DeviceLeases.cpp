#include "redis/DeviceLeases.h"

#include "redis/Client.h"

#include <utility>

namespace vibra::redis {

namespace {
// KEYS[1] lease, ARGV[1] consumer, ARGV[2] ttl ms. 1: renewed (ours), 2: acquired (was free), 0: another's.
constexpr const char* kAcquire = "local v = redis.call('GET', KEYS[1]) "
                                 "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
                                 "if v then return 0 end "
                                 "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2";
// KEYS[1] lease, ARGV[1] consumer: delete only our own.
constexpr const char* kRelease =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
} // namespace

DeviceLeases::DeviceLeases(std::string prefix, std::string group, std::string consumer,
                           const std::string& match, int leaseMs)
    : m_prefix(std::move(prefix))
    , m_group(std::move(group))
    , m_consumer(std::move(consumer))
    , m_members(m_prefix + ":members:" + m_group + ":" + match)
    , m_leaseMs(leaseMs) {}

std::string DeviceLeases::leaseKey(const std::string& device) const {
    return m_prefix + ":lease:{dev:" + device + "}:" + m_group;
}

DeviceLeases::Result DeviceLeases::acquire(Client& c, const std::string& device) const {
    const std::string key = leaseKey(device), ttl = std::to_string(m_leaseMs);
    const auto r = c.command({"EVAL", kAcquire, "1", key, m_consumer, ttl});
    if (!r || r->type != Value::Type::Integer)
        return Result::Failed;
    return r->integer == 2 ? Result::Acquired : r->integer == 1 ? Result::Renewed : Result::Busy;
}

bool DeviceLeases::release(Client& c, const std::string& device) const {
    return c.command({"EVAL", kRelease, "1", leaseKey(device), m_consumer}).has_value();
}

std::size_t DeviceLeases::heartbeat(Client& c) const {
    const auto t = c.command({"TIME"});
    if (!t || !t->isArray() || t->size() != 2)
        return 0;
    const long long nowMs = std::stoll((*t)[0].str) * 1000 + std::stoll((*t)[1].str) / 1000;
    const std::string now = std::to_string(nowMs), old = "(" + std::to_string(nowMs - m_leaseMs),
                      keep = std::to_string(3LL * m_leaseMs);
    if (!c.command({"ZADD", m_members, now, m_consumer}) ||
        !c.command({"ZREMRANGEBYSCORE", m_members, "-inf", old}) || !c.command({"PEXPIRE", m_members, keep}))
        return 0;
    const auto n = c.command({"ZCARD", m_members});
    if (!n || n->type != Value::Type::Integer)
        return 0;
    return n->integer < 1 ? 1 : static_cast<std::size_t>(n->integer);
}

bool DeviceLeases::leave(Client& c) const {
    return c.command({"ZREM", m_members, m_consumer}).has_value();
}

std::size_t DeviceLeases::fairShare(std::size_t streams, std::size_t members) {
    if (members == 0)
        members = 1;
    return (streams + members - 1) / members;
}

} // namespace vibra::redis
