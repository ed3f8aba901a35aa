#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <memory>

namespace vibra::service {

/// One parsed HTTP/1.1 request as the routes see it. Header names are lower-cased; the body is complete
/// (bounded by HttpServer's limits) when a route runs.
struct HttpRequest {
    QByteArray method;    ///< "GET", "POST", ...
    QByteArray target;    ///< as sent: path and query, e.g. "/api/latest?count=5"
    QString path;         ///< percent-decoded path
    QUrlQuery query;      ///< decoded query
    int versionMinor = 1; ///< HTTP/1.x
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QString peer; ///< remote address (for logs)

    /// First header of that (lower-case) name, or empty.
    QByteArray header(const QByteArray& lowerName) const {
        for (const auto& h : headers)
            if (h.first == lowerName)
                return h.second;
        return {};
    }
    bool hasHeader(const QByteArray& lowerName) const {
        for (const auto& h : headers)
            if (h.first == lowerName)
                return true;
        return false;
    }
    /// The query parameter, or def when absent.
    QString param(const QString& name, const QString& def = {}) const {
        return query.hasQueryItem(name) ? query.queryItemValue(name, QUrl::FullyDecoded) : def;
    }
};

/// A response. Either `body` (sent with Content-Length) or `stream` (sent with chunked transfer encoding as
/// the socket drains, so memory stays constant whatever its length).
struct HttpResponse {
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; ///< extra headers
    std::shared_ptr<QIODevice> stream;            ///< open for reading; takes precedence over body
    bool close = false;                           ///< close the connection after this response

    void addHeader(const QByteArray& name, const QByteArray& value) {
        headers.append(qMakePair(name, value));
    }

    static HttpResponse json(int status, const QByteArray& body) {
        HttpResponse r;
        r.status = status;
        r.body = body;
        return r;
    }
    /// {"error": message} (and the parameter name when given) with that status.
    static HttpResponse error(int status, const QString& message, const QString& parameter = {});
    static QByteArray reasonPhrase(int status);
};

} // namespace vibra::service
