#pragma once

#include "service/HttpServer.h"
#include "service/TokenSet.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace vibra::service {

/// The route table of `serve`: method + path pattern ("/api/triggers/{name}/on") -> handler, each with the
/// access it needs (public, read token, control token) and a fixed label for metrics. Answers 401 (without
/// detail) for a missing or wrong token, 403 for a read token on a control route, 404 for an unknown path,
/// 405 for a known path with another method, and counts every response by route label and status.
/// Prefix routes ("/static/*") serve the browser view's files (WebUi).
///
/// Threads: owner thread (the HTTP server's).
class Router {
public:
    enum class Access { Public, Read, Control };
    using Handler =
        std::function<void(const HttpRequest& request, const QStringList& captures, HttpResponder responder)>;
    /// (label, status) -> responses; read by the metrics on the owner thread.
    using Counts = std::map<std::pair<QString, int>, std::uint64_t>;

    explicit Router(TokenSet tokens)
        : m_tokens(std::move(tokens)) {}
    /// Replaces the accepted tokens (configuration reload); owner thread.
    void setTokens(TokenSet tokens) { m_tokens = std::move(tokens); }

    /// pattern: literal segments and {name} captures; a trailing "/*" matches any rest (captured whole).
    void add(const QByteArray& method, const QString& pattern, Access access, Handler handler);
    void handle(HttpRequest&& request, const HttpResponder& responder);

    const Counts& counts() const { return m_counts; }
    /// Every route label (for initialising metrics to 0).
    QStringList labels() const;
    /// Request durations (seconds) observed: histogram over fixed buckets, all routes.
    struct Latency {
        static constexpr double kBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
        std::uint64_t buckets[std::size(kBounds)] = {};
        std::uint64_t count = 0;
        double sum = 0;
    };
    const Latency& latency() const { return m_latency; }

private:
    struct Route {
        QByteArray method;
        QStringList segments;
        bool rest = false;
        Access access;
        QString label;
        Handler handler;
    };
    bool match(const Route& r, const QStringList& path, QStringList* captures) const;
    HttpResponder counted(const HttpResponder& responder, const QString& label);

    TokenSet m_tokens;
    std::vector<Route> m_routes;
    Counts m_counts;
    Latency m_latency;
};

} // namespace vibra::service
