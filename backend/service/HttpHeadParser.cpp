#include "service/HttpHeadParser.h"

#include <algorithm>
#include <cctype>

namespace vibra::service {

namespace {
bool isTokenChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
} // namespace

HttpHeadParser::Result HttpHeadParser::fail(int status, std::string text) {
    m_errorStatus = status;
    m_errorText = std::move(text);
    return Result::Error;
}

HttpHeadParser::Result HttpHeadParser::scan(std::string_view buffered) {
    // Leading empty lines before a request are allowed (RFC 9112 2.2); they count towards the limit.
    const std::size_t from = m_scanned > 3 ? m_scanned - 3 : 0;
    std::size_t end = std::string_view::npos;
    for (std::size_t i = from; i < buffered.size(); ++i) {
        if (buffered[i] != '\n')
            continue;
        if (i >= 1 && buffered[i - 1] == '\n') {
            end = i + 1;
        } else if (i >= 3 && buffered[i - 1] == '\r' && buffered[i - 2] == '\n' && buffered[i - 3] == '\r') {
            end = i + 1;
        }
        if (end != std::string_view::npos) {
            // A head that is only empty lines is not a request yet.
            if (trim(buffered.substr(0, end)).find_first_not_of("\r\n") == std::string_view::npos)
                end = std::string_view::npos;
            else
                break;
        }
    }
    if (end == std::string_view::npos) {
        m_scanned = buffered.size();
        if (buffered.size() > m_limits.maxHeadBytes)
            return fail(431, "request head larger than " + std::to_string(m_limits.maxHeadBytes) + " bytes");
        return Result::NeedMore;
    }
    if (end > m_limits.maxHeadBytes)
        return fail(431, "request head larger than " + std::to_string(m_limits.maxHeadBytes) + " bytes");
    std::string error;
    if (const int status = parse(buffered.substr(0, end), m_limits, &m_head, &error))
        return fail(status, error);
    m_headBytes = end;
    return Result::Done;
}

int HttpHeadParser::parse(std::string_view head, const Limits& limits, Head* out, std::string* error) {
    *out = Head{};
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < head.size()) {
        const std::size_t nl = head.find('\n', pos);
        const std::size_t stop = nl == std::string_view::npos ? head.size() : nl;
        std::string_view line = head.substr(pos, stop - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        pos = stop + 1;
        if (line.empty() && lines.empty())
            continue; // leading empty lines
        if (line.empty())
            break; // end of head
        lines.push_back(line);
    }
    if (lines.empty()) {
        *error = "empty request";
        return 400;
    }
    // Request line: METHOD SP TARGET SP HTTP/1.x
    const std::string_view rl = lines.front();
    const std::size_t sp1 = rl.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp1 == 0 || sp2 == sp1 + 1 ||
        rl.find(' ', sp2 + 1) != std::string_view::npos) {
        *error = "malformed request line";
        return 400;
    }
    const std::string_view method = rl.substr(0, sp1);
    const std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = rl.substr(sp2 + 1);
    if (!std::all_of(method.begin(), method.end(), isTokenChar)) {
        *error = "malformed method";
        return 400;
    }
    if (target.front() != '/' || std::any_of(target.begin(), target.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
        })) {
        *error = "request target must be an absolute path";
        return 400;
    }
    if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." ||
        !std::isdigit(static_cast<unsigned char>(version[7]))) {
        *error = "only HTTP/1.x is supported";
        return 505;
    }
    out->method = std::string(method);
    out->target = std::string(target);
    out->versionMinor = version[7] - '0';
    if (lines.size() - 1 > limits.maxHeaders) {
        *error = "more than " + std::to_string(limits.maxHeaders) + " header fields";
        return 431;
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view l = lines[i];
        if (l.front() == ' ' || l.front() == '\t') {
            *error = "obsolete header line folding";
            return 400;
        }
        const std::size_t colon = l.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            *error = "malformed header field";
            return 400;
        }
        const std::string_view name = l.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), isTokenChar)) {
            *error = "malformed header name";
            return 400;
        }
        std::string lower(name);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        const std::string_view value = trim(l.substr(colon + 1));
        if (std::any_of(value.begin(), value.end(),
                        [](char c) { return c == '\0' || c == '\r' || c == '\n'; })) {
            *error = "malformed header value";
            return 400;
        }
        out->headers.emplace_back(std::move(lower), std::string(value));
    }
    return 0;
}

} // namespace vibra::service
