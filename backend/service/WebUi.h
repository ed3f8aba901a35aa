#pragma once

#include "service/Router.h"
#include "service/TokenSet.h"

namespace vibra::service {

/// The browser view's files and its session route, served by `vibrascope serve`:
///  - GET / and GET /static/{file}: the single-page app compiled into the binary as Qt resources
///    (resources/web, prefix ":/web"); public, because the page holds no data: every API call and the live
///    stream still need the token the user types into the page;
///  - GET /api/session (read token): {"access":"read"|"control","auth":true|false}, so the page shows
///    recording/trigger controls only to a control token.
///
/// Threads: owner thread (the HTTP server's); the resource files are read-only.
class WebUi {
public:
    explicit WebUi(TokenSet tokens);
    void addRoutes(Router& router);
    /// Tokens replaced (SIGHUP reload).
    void setTokens(const TokenSet& tokens) { m_tokens = tokens; }
    /// The file's response: 200 with its content type, or 404 for anything not compiled in (no path escapes:
    /// only names made of [A-Za-z0-9._-] are looked up).
    static HttpResponse file(const QString& name);
    static QByteArray contentType(const QString& name);

private:
    TokenSet m_tokens;
};

} // namespace vibra::service
