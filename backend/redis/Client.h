#pragma once

#include "redis/RedisUrl.h"
#include "redis/Value.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace vibra::redis {

/// A synchronous connection to one Redis server (hiredis 0.14, RESP2, no TLS): RAII around redisContext,
/// binary-safe argument vectors, pipelining (append + getReply) and replies copied into redis::Value.
///
/// Any I/O error (refused, reset, timeout) closes the connection: connected() turns false, lastError() says
/// why, and the caller reconnects when it chooses (publisher and consumer back off). Error *replies* (e.g.
/// BUSYGROUP, OOM) are not I/O errors: they come back as Value::Type::Error and the connection stays up.
///
/// Threads: one thread at a time (each worker owns its connections).
class Client {
public:
    Client();
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Connects to url.host:url.port within timeoutMs, then sends AUTH (url.password) and SELECT (url.db)
    /// when set. Commands then time out after timeoutMs (a blocking read must ask for less than that).
    bool connect(const RedisUrl& url, int timeoutMs, std::string* error);
    void disconnect();
    bool connected() const { return m_ctx != nullptr; }
    /// Read/write timeout of later commands (e.g. longer than an XREADGROUP BLOCK).
    bool setTimeout(int timeoutMs);

    /// One command, one reply; nullopt on an I/O error (the connection is closed then).
    std::optional<Value> command(const std::vector<std::string_view>& args);
    /// Pipelining: queue a command in the output buffer (sent by the next getReply / flush).
    bool append(const std::vector<std::string_view>& args);
    /// The reply of the oldest appended command; nullopt on an I/O error (the connection is closed then).
    std::optional<Value> getReply();

    const std::string& lastError() const { return m_error; }

    /// Copies a hiredis reply (exposed for tests).
    static Value convert(const void* redisReply);

private:
    void fail(const std::string& what);

    redisContext* m_ctx = nullptr;
    std::string m_error;
    std::vector<const char*> m_argv; ///< scratch for append
    std::vector<std::size_t> m_argl;
};

} // namespace vibra::redis
