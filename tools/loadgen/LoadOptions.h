#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vibra::loadgen {

/// A parsed ws:// URL (no TLS: the load generator targets loopback and LAN benchmarks).
struct WsUrl {
    std::string host; ///< without brackets for IPv6
    std::uint16_t port = 80;
    std::string path;  ///< e.g. "/ingest"
    std::string query; ///< without '?', may be empty; never contains device=
    std::string text;  ///< the URL as given, for messages

    /// Parses "ws://host[:port]/path[?query]". Returns false and sets *error on anything else.
    static bool parse(const std::string& url, WsUrl& out, std::string* error);
    /// Request target for one device: path?query&device=NAME.
    std::string target(const std::string& device) const;
};

enum class WireFormat { Frame, Json };
enum class SignalKind { Sine, Ramp };

/// Command-line options of vibra-loadgen (see usage()). Plain data; parse() validates every field.
struct LoadOptions {
    WsUrl url;
    std::string token;
    int devices = 1;
    std::string prefix = "dev";
    double rateHz = 16000.0;
    int axes = 3;
    int block = 256;
    double durationS = 10.0;
    double rampS = 0.0;
    double drainS = 5.0;
    double connectTimeoutS = 5.0;
    double progressS = 5.0; ///< status line on stderr every N s (0 = off)
    int connectionsPerDevice = 1;
    int window = 64; ///< unacknowledged frames per device before generation stops (backlog)
    int tickMs = 10;
    int threads = 1;
    WireFormat format = WireFormat::Frame;
    SignalKind signal = SignalKind::Sine;
    std::uint64_t seed = 1;
    std::string summaryPath;

    /// Device name of index i: prefix + zero-padded index (at least 4 digits).
    std::string deviceName(int i) const;
    /// Frames each device produces: floor(duration * rate / block).
    std::int64_t framesPerDevice() const;
};

/// Result of parsing the command line.
struct ParseResult {
    enum class Status { Run, Help, Error } status = Status::Run;
    std::string error; ///< for Error: one line naming the option
};

/// Parses argv into out. env: value of VIBRASCOPE_TOKEN (nullptr when unset), used without --token.
ParseResult parseOptions(const std::vector<std::string>& args, const char* envToken, LoadOptions& out);
/// The --help text.
std::string usage();

} // namespace vibra::loadgen
