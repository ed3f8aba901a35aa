#pragma once

#include "core/DeviceInfo.h"
#include "dsp/Decimator.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/SpectrumAnalyzer.h"
#include "pipeline/DeviceSnapshot.h"
#include "pipeline/DspSettings.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vibra::pipeline {

/// The display half of a device's DSP: what only a viewer consumes (dashboard views, live web view):
/// the averaged display spectrum, the min/max envelope of the time window, the raw-sample window, the
/// envelope spectrum and the band-zoom spectrum. A DspProcessor owns one only while somebody watches the
/// device (compute what is consumed); a headless device has none.
///
/// Threads: owned by the DSP processor (one pool worker at a time); not thread-safe.
/// Memory: envelopePoints pairs per axis, the raw window (rawWindowSeconds x rate, capped at
/// DspSettings::kMaxRawWindow samples per axis), one analyzer per axis (plus envelope / zoom when enabled).
class DisplayChain {
public:
    DisplayChain(const DspSettings& settings, const std::shared_ptr<const core::DeviceInfo>& device);

    /// Axis a of a block (same length for every axis; call axes in order 0..n-1).
    void push(int axis, std::span<const float> x);
    /// Adds the display fields to a snapshot (envelope, raw window, spectra).
    void fill(DeviceSnapshot& snap, std::uint64_t processed) const;
    /// Settings the chain fell back to (an FFT size that does not fit the device is replaced by defaults).
    const DspSettings& settings() const { return m_settings; }

private:
    void updateEnvelope(int axis, std::span<const float> x);
    void updateRaw(int axis, std::span<const float> x);
    void fillEnvelope(DeviceSnapshot& snap) const;
    void fillRaw(DeviceSnapshot& snap, std::uint64_t processed) const;

    DspSettings m_settings;
    std::shared_ptr<const core::DeviceInfo> m_device;
    int m_axes = 0;
    std::vector<dsp::SpectrumAnalyzer> m_analyzers;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_spectra;
    std::vector<dsp::EnvelopeAnalyzer> m_envelopes; ///< only when settings.envelope is set
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_envelopeSpectra;
    std::vector<dsp::Decimator> m_zoomDecimators; ///< only when settings.zoomFactor > 1
    std::vector<dsp::SpectrumAnalyzer> m_zoomAnalyzers;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_zoomSpectra;
    std::vector<float> m_zoomScratch;
    // min/max envelope: ring of pairs per axis plus the bucket being filled
    std::uint32_t m_envBucket = 1;
    std::size_t m_envCapacity = 0;
    std::size_t m_envHead = 0;  ///< next write position
    std::size_t m_envCount = 0; ///< valid pairs
    std::vector<std::vector<float>> m_envMin, m_envMax;
    std::vector<float> m_curMin, m_curMax;
    std::uint32_t m_curFill = 0;
    // raw window: ring of the newest m_rawCapacity samples per axis (empty when disabled)
    std::size_t m_rawCapacity = 0;
    std::size_t m_rawHead = 0;
    std::size_t m_rawCount = 0;
    std::vector<std::vector<float>> m_raw;
};

} // namespace vibra::pipeline
