#pragma once

#include <cstddef>
#include <string>

namespace vibra::redis {

class Client;

/// Device ownership among the consumers of one group (StreamConsumer with Options::leaseMs > 0): consumers
/// share the *devices* of a group like partitions, never the entries of one device (a device's blocks must
/// reach one engine in order).
///
///  - lease: `PREFIX:lease:{dev:ID}:GROUP` = consumer name, `PX leaseMs`. acquire() takes a free lease
///    (`SET NX PX`) or renews the caller's own (a Lua check-and-PEXPIRE, so a lease that expired and was
///    taken by another consumer is never extended by the old owner); release() deletes it only while it is
///    the caller's. The key carries the stream's hash tag, so a Redis Cluster keeps it on the stream's shard.
///  - membership: sorted set `PREFIX:members:GROUP:MATCH` (consumer -> Redis `TIME` in ms at its last
///    heartbeat); members whose heartbeat is older than leaseMs are removed by the next heartbeat. Consumers
///    with the same match glob share its devices; fairShare() = ceil(streams / members) is how many
///    leases each should hold.
///
/// Redis time is used for membership, and lease expiry is Redis's own, so consumer clocks may differ.
///
/// Threads: the consumer thread (the Client passed in is its control connection).
class DeviceLeases {
public:
    DeviceLeases(std::string prefix, std::string group, std::string consumer, const std::string& match,
                 int leaseMs);

    enum class Result {
        Acquired, ///< was free, now held by the caller
        Renewed,  ///< already held by the caller (this process or a restarted one of the same name)
        Busy,     ///< held by another consumer
        Failed    ///< I/O error (the connection is closed) or an error reply
    };
    /// Takes a free lease or renews the caller's own.
    Result acquire(Client& c, const std::string& device) const;
    /// Deletes the lease if the caller still holds it. False on an I/O error.
    bool release(Client& c, const std::string& device) const;
    /// Heartbeat: records this consumer, drops expired members; the number of live members (>= 1), or 0 on
    /// an I/O error.
    std::size_t heartbeat(Client& c) const;
    /// Leaves the membership (clean stop). False on an I/O error.
    bool leave(Client& c) const;

    std::string leaseKey(const std::string& device) const;
    const std::string& membersKey() const { return m_members; }
    int leaseMs() const { return m_leaseMs; }
    /// ceil(streams / members), at least 1 when there are streams.
    static std::size_t fairShare(std::size_t streams, std::size_t members);

private:
    std::string m_prefix, m_group, m_consumer, m_members;
    int m_leaseMs;
};

} // namespace vibra::redis
