// RAII wrapper around one FFT of fixed size and kind, on FFTW (float) or KissFFT (float).
//
// Threading: an FftPlan object (its buffers) belongs to one thread at a time. With FFTW the underlying
// fftwf_plan is shared by every FftPlan of the same size and kind in the process: it is created once, under a
// process-wide planner mutex (FFTW's planner is global state and not thread-safe), with FFTW_MEASURE, and is
// executed through the thread-safe new-array functions (fftwf_execute_dft_r2c / fftwf_execute_dft) on this
// object's own fftwf_malloc'd arrays. Plan creation and destruction happen only in constructors/destructors,
// never in execute(): construct FftPlans off the hot path.
//
// Transforms are unnormalised (FFTW convention):
//   RealForward:    X[k] = sum_n x[n] e^{-j 2 pi k n / N}, k = 0..N/2   (N even, N/2+1 outputs)
//   ComplexInverse: y[n] = sum_k X[k] e^{+j 2 pi k n / N}, n = 0..N-1
#pragma once

#include "dsp/FftBackend.h"

#include <complex>
#include <cstddef>
#include <memory>
#include <string>

namespace vibra::dsp {

enum class FftKind { RealForward, ComplexInverse };

// FFTW planner effort for plans created from now on (process-wide, like FFTW's own planner state).
// Measure (default): ~0.1-0.6 s for the first plan of a size, fastest execution; the chosen algorithm depends
// on timing, so the last bits of results can differ between processes. Estimate: instant and deterministic
// across processes, ~10 % slower execution.
enum class FftwPlanning { Measure, Estimate };

class FftPlan {
public:
    // Throws std::invalid_argument for n < 2 or an odd n with RealForward, std::runtime_error if the backend
    // fails.
    FftPlan(FftBackend backend, std::size_t n, FftKind kind);
    ~FftPlan();
    FftPlan(FftPlan&&) noexcept;
    FftPlan& operator=(FftPlan&&) noexcept;
    FftPlan(const FftPlan&) = delete;
    FftPlan& operator=(const FftPlan&) = delete;

    // RealForward: N floats. Invalid (nullptr) for ComplexInverse.
    float* realInput();
    // ComplexInverse: N complex values. Invalid (nullptr) for RealForward.
    std::complex<float>* complexInput();
    // RealForward: N/2+1 bins; ComplexInverse: N values.
    std::complex<float>* output();
    const std::complex<float>* output() const;
    std::size_t outputSize() const;

    void execute();

    std::size_t size() const;
    FftKind kind() const;
    FftBackend backend() const;

    // Process-wide FFTW settings; all serialised by the planner mutex. Affect plans created afterwards.
    static void setFftwPlanning(FftwPlanning planning);
    static FftwPlanning fftwPlanning();
    // Wisdom (FFTW's record of measured plans) to skip MEASURE time at the next start. False on I/O error.
    static bool importFftwWisdom(const std::string& path);
    static bool exportFftwWisdom(const std::string& path);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace vibra::dsp
