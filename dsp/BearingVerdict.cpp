#include "dsp/BearingVerdict.h"

#include "dsp/DefectPeakFinder.h"
#include "dsp/WindowKernel.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace vibra::dsp {

namespace {

std::string format(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
    if (n > 0)
        std::vsnprintf(out.data(), out.size() + 1, fmt, args);
    va_end(args);
    return out;
}

// Rounds values that would print as -0.00 to 0.
double printable(double v) {
    return std::abs(v) < 0.005 ? 0.0 : v;
}

// Checks one confirming line near `expectedHz`.
LineCheck confirm(const Spectrum& s, std::string label, double expectedHz, double usableHz,
                  const DefectRule& rule, double thresholdDb) {
    LineCheck c;
    c.label = std::move(label);
    c.expectedHz = expectedHz;
    c.available = expectedHz > 0 && expectedHz <= usableHz;
    if (!c.available)
        return c;
    const DefectPeak q = findPeakNear(
        s, expectedHz,
        PeakSearch{rule.confirmToleranceFraction, rule.confirmMinLines, rule.medianHalfWidth, 0});
    if (q.found) {
        c.frequencyHz = q.foundHz;
        c.marginDb = q.marginDb;
        c.present = q.marginDb >= thresholdDb;
    }
    return c;
}

std::string describe(const std::vector<LineCheck>& checks, double usableHz) {
    std::string out;
    for (const auto& c : checks) {
        if (!out.empty())
            out += ", ";
        if (!c.available)
            out += format("%s beyond %.0f Hz", c.label.c_str(), usableHz);
        else if (c.frequencyHz > 0)
            out += format("%s %.1f dB", c.label.c_str(), c.marginDb);
        else
            out += c.label + " no peak";
    }
    return out;
}

} // namespace

double noiseExceedanceDb(double k, double probability) {
    // k is capped at 64: beyond it the level (< 1.9 dB at 1e-4) is far below any stated margin, and the
    // result only grows (stays conservative) by the cap.
    constexpr int kMaxK = 64;
    const int kk =
        std::clamp(std::isfinite(k) ? static_cast<int>(std::floor(std::min(k, 1e6))) : 1, 1, kMaxK);
    if (!(probability > 0 && probability < 1))
        return 0.0;
    // Survival of Gamma(k, 1/k) at t: exp(-k t) sum_{i<k} (k t)^i / i!, summed in logs (log-sum-exp).
    const auto survival = [kk](double t) {
        const double x = kk * t;
        std::array<double, kMaxK> logs{};
        double term = 0; // log of x^i / i!
        double maxLog = 0;
        for (int i = 0; i < kk; ++i) {
            if (i > 0)
                term += std::log(x / static_cast<double>(i));
            logs[static_cast<std::size_t>(i)] = term;
            maxLog = i == 0 ? term : std::max(maxLog, term);
        }
        double sum = 0;
        for (int i = 0; i < kk; ++i)
            sum += std::exp(logs[static_cast<std::size_t>(i)] - maxLog);
        return std::exp(-x + maxLog + std::log(sum));
    };
    double lo = 1.0;
    double hi = 2.0;
    while (survival(hi) > probability && hi < 1e6)
        hi *= 2;
    for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (survival(mid) > probability ? lo : hi) = mid;
    }
    return 10.0 * std::log10(0.5 * (lo + hi));
}

DefectPeak assessDefect(const Spectrum& s, std::string name, double expectedHz, double sidebandShaftHz,
                        const DefectRule& rule) {
    DefectPeak p = findPeakNear(s, expectedHz, PeakSearch{rule.toleranceFraction, 1, rule.medianHalfWidth, 0},
                                std::move(name));
    // Thresholds: the stated margins, raised to what noise alone reaches with probability noiseExceedance
    // (two overlapped frames counted as one independent average) plus the window's worst scalloping
    // correction, which the interpolation applies to noise peaks too.
    const double kEff = std::max(1.0, std::floor(static_cast<double>(s.frames) / 2.0));
    const double scallopDb =
        s.fftSize >= 2 ? -20.0 * std::log10(WindowKernel(s.window, s.fftSize)(0.5)) : 0.0;
    const double noiseDb = noiseExceedanceDb(kEff, rule.noiseExceedance) + scallopDb;
    const double fundDb = std::max(rule.marginDb, noiseDb);
    const double confirmDb = std::max(rule.confirmMarginDb, noiseDb);
    p.thresholdDb = fundDb;
    const double lastHz = s.psd.size() > 2 ? s.frequency(s.psd.size() - 2) : 0.0;
    const double usableHz = rule.maxHz > 0 ? std::min(rule.maxHz, lastHz) : lastHz;
    const double tolPct = 100.0 * rule.toleranceFraction;
    if (!p.found) {
        p.reasons.push_back(format("no peak within +-%.1f %% of %.2f Hz", tolPct, expectedHz));
        return p;
    }
    const bool strong = p.marginDb >= fundDb;
    p.reasons.push_back(format("peak at %.2f Hz (%+.2f %%) %.1f dB above the floor (%s %.1f dB)", p.foundHz,
                               printable(p.offsetPct), p.marginDb, strong ? ">=" : "below", fundDb));

    for (std::size_t h = 2; h <= rule.harmonicCount; ++h)
        p.harmonics.push_back(confirm(s, std::to_string(h) + "x", static_cast<double>(h) * p.foundHz,
                                      usableHz, rule, confirmDb));
    const auto available = static_cast<std::size_t>(std::count_if(
        p.harmonics.begin(), p.harmonics.end(), [](const LineCheck& c) { return c.available; }));
    const auto present = static_cast<std::size_t>(
        std::count_if(p.harmonics.begin(), p.harmonics.end(), [](const LineCheck& c) { return c.present; }));
    const bool harmonicsOk = available > 0 && present >= std::min(rule.minHarmonics, available);
    if (!p.harmonics.empty()) {
        if (available == 0)
            p.reasons.push_back(
                format("cannot confirm: harmonics beyond %.0f Hz (widen the envelope band)", usableHz));
        else
            p.reasons.push_back(
                format("harmonics %s: %s (%s %zu at %.1f dB)", harmonicsOk ? "present" : "missing",
                       describe(p.harmonics, usableHz).c_str(), "need", rule.minHarmonics, confirmDb));
    }

    bool sidebandsOk = true;
    std::size_t sbPresent = 0;
    if (sidebandShaftHz > 0) {
        p.sidebands.push_back(
            confirm(s, "-1x shaft", p.foundHz - sidebandShaftHz, usableHz, rule, confirmDb));
        p.sidebands.push_back(
            confirm(s, "+1x shaft", p.foundHz + sidebandShaftHz, usableHz, rule, confirmDb));
        sbPresent = static_cast<std::size_t>(std::count_if(p.sidebands.begin(), p.sidebands.end(),
                                                           [](const LineCheck& c) { return c.present; }));
        sidebandsOk = !rule.requireSidebands || sbPresent > 0;
        p.reasons.push_back(format("shaft sidebands %s: %s (need 1 at %.1f dB)",
                                   sbPresent > 0 ? "present" : "missing",
                                   describe(p.sidebands, usableHz).c_str(), confirmDb));
    }

    p.detected = strong && (rule.harmonicCount < 2 || harmonicsOk) && sidebandsOk;
    double score = std::clamp(p.marginDb / (2.0 * fundDb), 0.0, 1.0);
    int parts = 1;
    if (!p.harmonics.empty()) {
        score += available > 0 ? static_cast<double>(present) / static_cast<double>(available) : 0.0;
        ++parts;
    }
    if (sidebandShaftHz > 0) {
        score += static_cast<double>(sbPresent) / 2.0;
        ++parts;
    }
    p.confidence = score / parts;
    return p;
}

std::vector<DefectPeak> assessBearing(const Spectrum& s, const BearingFrequencies& f,
                                      const DefectRule& rule) {
    return {assessDefect(s, "FTF", f.ftfHz, 0, rule), assessDefect(s, "BPFO", f.bpfoHz, 0, rule),
            assessDefect(s, "BPFI", f.bpfiHz, f.shaftHz, rule), assessDefect(s, "BSF", f.bsfHz, 0, rule),
            assessDefect(s, "2xBSF", 2 * f.bsfHz, 0, rule)};
}

} // namespace vibra::dsp
