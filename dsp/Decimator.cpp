#include "dsp/Decimator.h"

#include "dsp/FirDesign.h"
#include "dsp/SampleSanitizer.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>

namespace vibra::dsp {

namespace {
constexpr std::size_t kOuterChunk = 4096;
}

std::vector<std::size_t> Decimator::stageFactors(std::size_t factor) {
    std::vector<std::size_t> f;
    std::size_t r = factor;
    while (r % 4 == 0) {
        f.push_back(4);
        r /= 4;
    }
    if (r % 2 == 0) {
        f.push_back(2);
        r /= 2;
    }
    std::vector<std::size_t> odd;
    for (std::size_t p = 3; r > 1 && p <= r; p += 2) {
        while (r % p == 0) {
            odd.push_back(p);
            r /= p;
        }
    }
    std::sort(odd.begin(), odd.end(), std::greater<>());
    // Odd primes first (largest first), then the 4s, then the 2: the most selective, longest stage runs last
    // at the lowest rate. 4 before 2 keeps the last stage's transition band wider.
    odd.insert(odd.end(), f.begin(), f.end());
    return odd;
}

Decimator::Decimator(std::size_t factor)
    : Decimator(DecimatorConfig{factor}) {}

Decimator::Decimator(const DecimatorConfig& config)
    : m_config(config) {
    if (config.factor < 1 || config.factor > DecimatorConfig::kMaxFactor)
        throw std::invalid_argument("decimation factor must be within 1..64, got " +
                                    std::to_string(config.factor));
    if (!(config.passFraction > 0 && config.passFraction <= 0.95))
        throw std::invalid_argument("pass fraction must be within (0, 0.95]");
    if (!(config.attenuationDb >= 20 && config.attenuationDb <= 150))
        throw std::invalid_argument("attenuation must be within 20..150 dB");
    const auto factors = stageFactors(config.factor);
    std::size_t remaining = config.factor; // decimation from this stage's input to the final output
    for (std::size_t q : factors) {
        // Normalised to this stage's input rate: final output rate = 1 / remaining.
        const double passEdge = config.passFraction * 0.5 / static_cast<double>(remaining);
        const double stopEdge = std::min(0.5, 1.0 / static_cast<double>(q) - passEdge);
        KaiserSpec spec{passEdge, stopEdge, config.attenuationDb};
        m_stages.emplace_back(designLowpass(spec), q);
        remaining /= q;
    }
    for (std::size_t i = 0; i + 1 < m_stages.size(); ++i)
        m_scratch.emplace_back(kOuterChunk + 1);
}

void Decimator::reset() {
    for (auto& s : m_stages)
        s.reset();
}

double Decimator::groupDelayInputSamples() const {
    double d = 0;
    double scale = 1;
    for (const auto& s : m_stages) {
        d += s.delay() * scale;
        scale *= static_cast<double>(s.factor());
    }
    return d;
}

double Decimator::macsPerInputSample() const {
    double m = 0;
    double rate = 1;
    for (const auto& s : m_stages) {
        m += static_cast<double>(s.length()) * rate / static_cast<double>(s.factor());
        rate /= static_cast<double>(s.factor());
    }
    return m;
}

std::size_t Decimator::process(std::span<const float> in, std::vector<float>& out) {
    const std::size_t old = out.size();
    out.resize(old + maxOutput(in.size()));
    const std::size_t n = process(in, std::span<float>(out).subspan(old));
    out.resize(old + n);
    return n;
}

std::size_t Decimator::process(std::span<const float> in, std::span<float> out) {
    if (out.size() < maxOutput(in.size()))
        throw std::length_error("Decimator::process: output span smaller than maxOutput(input)");
    if (m_stages.empty()) { // factor 1
        m_passNonFinite += copySanitized(in.data(), in.size(), out.data());
        return in.size();
    }
    std::size_t produced = 0;
    for (std::size_t pos = 0; pos < in.size(); pos += kOuterChunk) {
        std::span<const float> cur = in.subspan(pos, std::min(kOuterChunk, in.size() - pos));
        for (std::size_t s = 0; s < m_stages.size(); ++s) {
            if (s + 1 == m_stages.size()) {
                produced += m_stages[s].process(cur, out.subspan(produced));
            } else {
                const std::size_t n = m_stages[s].process(cur, m_scratch[s]);
                cur = std::span<const float>(m_scratch[s].data(), n);
            }
        }
    }
    return produced;
}

} // namespace vibra::dsp
