#pragma once

#include <QByteArray>
#include <QList>

namespace vibra::service {

/// The bearer tokens `serve` accepts: read tokens may call every GET route, control tokens also the
/// POST routes that change state (recording, triggers, ingest). No token configured = no authentication
/// (allowed only on a loopback address; ServeCommand refuses it otherwise).
///
/// Threads: immutable after construction; any thread.
class TokenSet {
public:
    enum class Access { None, Read, Control };

    TokenSet() = default;
    TokenSet(QList<QByteArray> readTokens, QList<QByteArray> controlTokens)
        : m_read(std::move(readTokens))
        , m_control(std::move(controlTokens)) {}

    bool empty() const { return m_read.isEmpty() && m_control.isEmpty(); }
    /// What a request with this Authorization header value may do.
    Access accessOf(const QByteArray& authorization) const {
        if (empty())
            return Access::Control;
        if (!authorization.startsWith("Bearer "))
            return Access::None;
        const QByteArray t = authorization.mid(7).trimmed();
        for (const auto& c : m_control)
            if (equal(t, c))
                return Access::Control;
        for (const auto& r : m_read)
            if (equal(t, r))
                return Access::Read;
        return Access::None;
    }
    /// Any control token (what the WebSocket ingest server checks), or empty.
    QByteArray firstControl() const { return m_control.isEmpty() ? QByteArray() : m_control.first(); }

private:
    /// Constant time in the token's content (the length still shows).
    static bool equal(const QByteArray& a, const QByteArray& b) {
        if (a.size() != b.size())
            return false;
        unsigned char d = 0;
        for (qsizetype i = 0; i < a.size(); ++i)
            d |= static_cast<unsigned char>(a[i] ^ b[i]);
        return d == 0;
    }
    QList<QByteArray> m_read;
    QList<QByteArray> m_control;
};

} // namespace vibra::service
