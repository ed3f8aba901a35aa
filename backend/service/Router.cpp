#include "service/Router.h"

#include <QElapsedTimer>

#include <algorithm>
#include <memory>

namespace vibra::service {

namespace {
QStringList splitPath(const QString& path) {
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}
} // namespace

void Router::add(const QByteArray& method, const QString& pattern, Access access, Handler handler) {
    Route r;
    r.method = method;
    r.segments = splitPath(pattern);
    if (!r.segments.isEmpty() && r.segments.back() == QLatin1String("*")) {
        r.rest = true;
        r.segments.removeLast();
    }
    r.access = access;
    r.label = pattern;
    r.handler = std::move(handler);
    m_routes.push_back(std::move(r));
    for (int status : {200})
        m_counts.try_emplace({pattern, status}, 0);
}

QStringList Router::labels() const {
    QStringList out;
    for (const auto& r : m_routes)
        if (!out.contains(r.label))
            out.append(r.label);
    return out;
}

bool Router::match(const Route& r, const QStringList& path, QStringList* captures) const {
    if (r.rest ? path.size() < r.segments.size() : path.size() != r.segments.size())
        return false;
    captures->clear();
    for (qsizetype i = 0; i < r.segments.size(); ++i) {
        const QString& s = r.segments[i];
        if (s.startsWith(QLatin1Char('{')) && s.endsWith(QLatin1Char('}')))
            captures->append(path[i]);
        else if (s != path[i])
            return false;
    }
    if (r.rest)
        captures->append(path.mid(r.segments.size()).join(QLatin1Char('/')));
    return true;
}

HttpResponder Router::counted(const HttpResponder& responder, const QString& label) {
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    return responder.observed([this, label, timer](int status) {
        ++m_counts[{label, status}];
        const double s = static_cast<double>(timer->nsecsElapsed()) / 1e9;
        ++m_latency.count;
        m_latency.sum += s;
        for (std::size_t i = 0; i < std::size(Latency::kBounds); ++i)
            if (s <= Latency::kBounds[i])
                ++m_latency.buckets[i];
    });
}

void Router::handle(HttpRequest&& request, const HttpResponder& responder) {
    const QStringList path = splitPath(request.path);
    QStringList captures;
    bool pathKnown = false;
    for (const auto& r : m_routes) {
        if (!match(r, path, &captures))
            continue;
        pathKnown = true;
        if (r.method != request.method && !(r.method == "GET" && request.method == "HEAD"))
            continue;
        const HttpResponder reply = counted(responder, r.label);
        if (r.access != Access::Public) {
            const auto access = m_tokens.accessOf(request.header("authorization"));
            if (access == TokenSet::Access::None) {
                HttpResponse res = HttpResponse::error(401, QStringLiteral("unauthorized"));
                res.addHeader("WWW-Authenticate", "Bearer");
                reply.send(std::move(res));
                return;
            }
            if (r.access == Access::Control && access != TokenSet::Access::Control) {
                reply.send(HttpResponse::error(403, QStringLiteral("this token may only read")));
                return;
            }
        }
        r.handler(request, captures, reply);
        return;
    }
    // Unknown routes are answered the same whether or not a token was sent (nothing to protect there).
    if (pathKnown)
        counted(responder, QStringLiteral("unmatched"))
            .send(HttpResponse::error(405, QStringLiteral("method %1 not allowed on %2")
                                               .arg(QString::fromLatin1(request.method), request.path)));
    else
        counted(responder, QStringLiteral("unmatched"))
            .send(HttpResponse::error(404, QStringLiteral("no such route: %1").arg(request.path)));
}

} // namespace vibra::service
