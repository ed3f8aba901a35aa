#include "service/WebUi.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

// Registers the compiled-in resources/web files (the library is static, so its initializer must be called).
static void initWebResources() {
    Q_INIT_RESOURCE(web);
}

namespace vibra::service {

QByteArray WebUi::contentType(const QString& name) {
    if (name.endsWith(QLatin1String(".html")))
        return "text/html; charset=utf-8";
    if (name.endsWith(QLatin1String(".js")))
        return "text/javascript; charset=utf-8";
    if (name.endsWith(QLatin1String(".css")))
        return "text/css; charset=utf-8";
    if (name.endsWith(QLatin1String(".svg")))
        return "image/svg+xml";
    if (name.endsWith(QLatin1String(".png")))
        return "image/png";
    return "application/octet-stream";
}

HttpResponse WebUi::file(const QString& name) {
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"));
    if (!safe.match(name).hasMatch())
        return HttpResponse::error(404, QStringLiteral("no such file"));
    QFile f(QStringLiteral(":/web/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return HttpResponse::error(404, QStringLiteral("no such file"));
    HttpResponse r;
    r.contentType = contentType(name);
    r.body = f.readAll();
    r.addHeader("X-Content-Type-Options", "nosniff");
    r.addHeader("Referrer-Policy", "no-referrer");
    r.addHeader("Content-Security-Policy",
                "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    return r;
}

WebUi::WebUi(TokenSet tokens)
    : m_tokens(std::move(tokens)) {
    initWebResources();
}

void WebUi::addRoutes(Router& router) {
    using A = Router::Access;
    router.add("GET", QStringLiteral("/"), A::Public,
               [](const HttpRequest&, const QStringList&, HttpResponder rep) {
                   rep.send(file(QStringLiteral("index.html")));
               });
    router.add("GET", QStringLiteral("/static/*"), A::Public,
               [](const HttpRequest&, const QStringList& captures, HttpResponder rep) {
                   rep.send(file(captures.value(0)));
               });
    router.add("GET", QStringLiteral("/api/session"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) {
                   const auto access = m_tokens.accessOf(r.header("authorization"));
                   QJsonObject o;
                   o[QStringLiteral("access")] = access == TokenSet::Access::Control
                                                     ? QStringLiteral("control")
                                                     : QStringLiteral("read");
                   o[QStringLiteral("auth")] = !m_tokens.empty();
                   rep.send(HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact)));
               });
}

} // namespace vibra::service
