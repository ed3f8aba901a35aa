// vibra-loadgen: N paced Vibrascope devices over WebSocket from one process (see usage() / README).
#include "LoadLoop.h"
#include "LoadOptions.h"
#include "SignalTable.h"
#include "Summary.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netdb.h>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

using namespace vibra::loadgen;

namespace {

std::atomic<bool>* g_stop = nullptr;

void onSignal(int) {
    if (g_stop)
        g_stop->store(true);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGINT, &dfl, nullptr); // a second Ctrl-C ends the process at once
    ::sigaction(SIGTERM, &dfl, nullptr);
}

bool resolve(const WsUrl& url, Endpoint& ep, std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(url.port);
    const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0 || !res) {
        *error =
            "cannot connect to " + url.text + ": cannot resolve '" + url.host + "': " + ::gai_strerror(rc);
        return false;
    }
    std::memcpy(&ep.addr, res->ai_addr, res->ai_addrlen);
    ep.addrLen = res->ai_addrlen;
    ::freeaddrinfo(res);
    const bool v6 = url.host.find(':') != std::string::npos;
    ep.hostHeader = (v6 ? "[" + url.host + "]" : url.host) + ":" + port;
    return true;
}

bool raiseFileLimit(std::size_t needed, std::string* error) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return true;
    if (lim.rlim_cur >= needed)
        return true;
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, needed);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur >= needed)
        return true;
    *error = "needs " + std::to_string(needed) + " file descriptors, the hard limit is " +
             std::to_string(lim.rlim_max) + " (ulimit -Hn)";
    return false;
}

int processThreads() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Threads:", 0) == 0)
            return std::atoi(line.c_str() + 8);
    return 0;
}

double seconds(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
}

void printProgress(const std::vector<std::unique_ptr<LoadLoop>>& loops, const LoadOptions& opt, double t) {
    std::int64_t streaming = 0, sent = 0, acked = 0, backlog = 0, backlogDevices = 0, reconnects = 0,
                 failures = 0;
    for (const auto& l : loops) {
        const LoopProgress& p = l->progress();
        streaming += p.streaming.load();
        sent += p.framesSent.load();
        acked += p.framesAcked.load();
        backlog += p.backlogFrames.load();
        backlogDevices += p.backlogDevices.load();
        reconnects += p.reconnects.load();
        failures += p.connectFailures.load();
    }
    std::fprintf(
        stderr,
        "vibra-loadgen: %.0f s: %lld/%d devices streaming, frames sent %lld acked %lld, backlog %lld "
        "frames on %lld devices, reconnects %lld, failed attempts %lld\n",
        t, static_cast<long long>(streaming), opt.devices, static_cast<long long>(sent),
        static_cast<long long>(acked), static_cast<long long>(backlog),
        static_cast<long long>(backlogDevices), static_cast<long long>(reconnects),
        static_cast<long long>(failures));
}

} // namespace

int main(int argc, char** argv) {
    LoadOptions opt;
    const ParseResult parsed =
        parseOptions(std::vector<std::string>(argv + 1, argv + argc), std::getenv("VIBRASCOPE_TOKEN"), opt);
    if (parsed.status == ParseResult::Status::Help) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (parsed.status == ParseResult::Status::Error) {
        std::fprintf(stderr, "vibra-loadgen: %s\n(vibra-loadgen --help for usage)\n", parsed.error.c_str());
        return 2;
    }
    std::string error;
    Endpoint ep;
    if (!resolve(opt.url, ep, &error) ||
        !raiseFileLimit(static_cast<std::size_t>(opt.devices) * opt.connectionsPerDevice + 64, &error)) {
        std::fprintf(stderr, "vibra-loadgen: %s\n", error.c_str());
        return 1;
    }
    SharedState shared;
    g_stop = &shared.stopRequested;
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const SignalTable table(opt.seed);
    const std::int64_t runStart = LoadLoop::monotonicNs();
    const std::int64_t utcStart = LoadLoop::realtimeNs();
    std::vector<std::vector<int>> shards(static_cast<std::size_t>(opt.threads));
    for (int i = 0; i < opt.devices; ++i)
        shards[static_cast<std::size_t>(i % opt.threads)].push_back(i);
    std::vector<std::unique_ptr<LoadLoop>> loops;
    for (const auto& shard : shards) {
        loops.push_back(std::make_unique<LoadLoop>(opt, table, ep, shared, shard, runStart, utcStart));
        if (!loops.back()->init(&error)) {
            std::fprintf(stderr, "vibra-loadgen: %s\n", error.c_str());
            return 1;
        }
    }
    int threadsMax = processThreads();
    double nextProgress = opt.progressS;
    auto onSecond = [&](std::int64_t nowNs) {
        threadsMax = std::max(threadsMax, processThreads());
        const double t = static_cast<double>(nowNs - runStart) * 1e-9;
        if (opt.progressS > 0 && t >= nextProgress) {
            printProgress(loops, opt, t);
            nextProgress += opt.progressS;
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < loops.size(); ++i)
        threads.emplace_back([&loops, i] { loops[i]->run(); });
    loops[0]->run(onSecond);
    for (auto& t : threads)
        t.join();

    RunInfo run;
    run.wallS = static_cast<double>(LoadLoop::monotonicNs() - runStart) * 1e-9;
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    run.cpuUserS = seconds(ru.ru_utime);
    run.cpuSysS = seconds(ru.ru_stime);
    run.threadsMax = threadsMax;
    if (shared.fatal.load()) {
        const std::lock_guard<std::mutex> lock(shared.mutex);
        run.fatal = shared.fatalMessage;
    }
    std::vector<std::pair<std::string, DeviceStats>> devices(static_cast<std::size_t>(opt.devices));
    for (const auto& l : loops)
        for (const auto& d : l->devices())
            devices[static_cast<std::size_t>(d->index())] = {d->name(), d->stats()};
    const Summary summary(opt, std::move(devices), run);
    if (!opt.summaryPath.empty()) {
        std::ofstream f(opt.summaryPath);
        f << summary.document();
        if (!f) {
            std::fprintf(stderr, "vibra-loadgen: cannot write --summary %s\n", opt.summaryPath.c_str());
            return 1;
        }
        std::fputs(summary.totalLine().c_str(), stdout);
    } else {
        std::fputs(summary.document().c_str(), stdout);
    }
    if (!run.fatal.empty()) {
        std::fprintf(stderr, "vibra-loadgen: %s\n", run.fatal.c_str());
        return 1;
    }
    return summary.ok() ? 0 : 3;
}
