#include "redis/Client.h"

#include <hiredis.h>

#include <sys/time.h>

namespace vibra::redis {

namespace {
timeval toTimeval(int ms) {
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}
} // namespace

Client::Client() = default;

Client::~Client() {
    disconnect();
}

void Client::disconnect() {
    if (m_ctx) {
        redisFree(m_ctx);
        m_ctx = nullptr;
    }
}

void Client::fail(const std::string& what) {
    m_error = what;
    if (m_ctx && m_ctx->err)
        m_error += ": " + std::string(m_ctx->errstr);
    disconnect();
}

bool Client::connect(const RedisUrl& url, int timeoutMs, std::string* error) {
    disconnect();
    m_ctx = redisConnectWithTimeout(url.host.c_str(), url.port, toTimeval(timeoutMs));
    if (!m_ctx || m_ctx->err) {
        m_error = "cannot connect to redis at " + url.display() + ": " +
                  (m_ctx ? std::string(m_ctx->errstr) : std::string("out of memory"));
        disconnect();
        *error = m_error;
        return false;
    }
    if (!setTimeout(timeoutMs)) {
        *error = m_error;
        return false;
    }
    redisEnableKeepAlive(m_ctx);
    const auto check = [&](const std::vector<std::string_view>& args, const char* what) {
        const auto r = command(args);
        if (!r || r->isError()) {
            m_error = std::string(what) + " failed at " + url.display() + ": " + (r ? r->str : m_error);
            disconnect();
            return false;
        }
        return true;
    };
    if (!url.password.empty() && !check({"AUTH", url.password}, "AUTH")) {
        *error = m_error;
        return false;
    }
    if (url.db != 0) {
        const std::string db = std::to_string(url.db);
        if (!check({"SELECT", db}, "SELECT")) {
            *error = m_error;
            return false;
        }
    }
    m_error.clear();
    return true;
}

bool Client::setTimeout(int timeoutMs) {
    if (!m_ctx)
        return false;
    if (redisSetTimeout(m_ctx, toTimeval(timeoutMs)) != REDIS_OK) {
        fail("cannot set the socket timeout");
        return false;
    }
    return true;
}

bool Client::append(const std::vector<std::string_view>& args) {
    if (!m_ctx) {
        m_error = "not connected";
        return false;
    }
    m_argv.resize(args.size());
    m_argl.resize(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        m_argv[i] = args[i].data();
        m_argl[i] = args[i].size();
    }
    if (redisAppendCommandArgv(m_ctx, static_cast<int>(args.size()), m_argv.data(), m_argl.data()) !=
        REDIS_OK) {
        fail("cannot queue a command");
        return false;
    }
    return true;
}

std::optional<Value> Client::getReply() {
    if (!m_ctx) {
        m_error = "not connected";
        return std::nullopt;
    }
    void* reply = nullptr;
    if (redisGetReply(m_ctx, &reply) != REDIS_OK || !reply) {
        fail("connection lost");
        return std::nullopt;
    }
    Value v = convert(reply);
    freeReplyObject(reply);
    return v;
}

std::optional<Value> Client::command(const std::vector<std::string_view>& args) {
    if (!append(args))
        return std::nullopt;
    return getReply();
}

Value Client::convert(const void* replyPtr) {
    const auto* r = static_cast<const redisReply*>(replyPtr);
    Value v;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        v.type = Value::Type::String;
        v.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_STATUS:
        v.type = Value::Type::Status;
        v.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        v.type = Value::Type::Error;
        v.str.assign(r->str, r->len);
        break;
    case REDIS_REPLY_INTEGER:
        v.type = Value::Type::Integer;
        v.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        v.type = Value::Type::Array;
        v.elements.reserve(r->elements);
        for (std::size_t i = 0; i < r->elements; ++i)
            v.elements.push_back(convert(r->element[i]));
        break;
    default:
        v.type = Value::Type::Nil;
        break;
    }
    return v;
}

} // namespace vibra::redis
