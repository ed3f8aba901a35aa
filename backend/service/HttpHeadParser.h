#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vibra::service {

/// Parses the head of an HTTP/1.x request (request line and header fields, up to the empty line) with
/// strict limits: the head must end within maxHeadBytes and carry at most maxHeaders fields. Plain C++ (no
/// Qt) so it can be fuzzed (tests/fuzz/fuzz_http_head.cpp).
///
/// Incremental: call scan() with the bytes buffered so far (the same prefix plus more each time); it
/// remembers how far it looked for the terminating CRLF CRLF, so a client sending one byte at a time costs
/// O(n) in total. Threads: one parser per connection, used by the connection's thread.
class HttpHeadParser {
public:
    struct Limits {
        std::size_t maxHeadBytes = 16 * 1024;
        std::size_t maxHeaders = 64;
    };
    enum class Result {
        NeedMore, ///< the head has not ended yet (and is within the limit)
        Done,     ///< head() is valid; headBytes() bytes of the input belong to it
        Error     ///< errorStatus() / errorText() say why (400, 414, 431, 501, 505)
    };
    struct Head {
        std::string method;
        std::string target;
        int versionMinor = 1;
        std::vector<std::pair<std::string, std::string>> headers; ///< names lower-cased, values trimmed
    };

    explicit HttpHeadParser(Limits limits)
        : m_limits(limits) {}

    Result scan(std::string_view buffered);
    void reset() {
        m_scanned = 0;
        m_headBytes = 0;
        m_head = Head{};
    }
    const Head& head() const { return m_head; }
    std::size_t headBytes() const { return m_headBytes; }
    int errorStatus() const { return m_errorStatus; }
    const std::string& errorText() const { return m_errorText; }

    /// Parses a complete head (ending with CRLF CRLF or LF LF) into *out. Returns 0 or an error status.
    static int parse(std::string_view head, const Limits& limits, Head* out, std::string* error);

private:
    Result fail(int status, std::string text);
    const Limits m_limits;
    std::size_t m_scanned = 0;
    std::size_t m_headBytes = 0;
    Head m_head;
    int m_errorStatus = 0;
    std::string m_errorText;
};

} // namespace vibra::service
