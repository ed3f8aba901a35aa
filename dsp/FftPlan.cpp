#include "dsp/FftPlan.h"

#include <fftw3.h>
#include <kiss_fft.h>
#include <kiss_fftr.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace vibra::dsp {

namespace {

static_assert(sizeof(kiss_fft_cpx) == sizeof(std::complex<float>), "kiss_fft_cpx layout");
static_assert(sizeof(fftwf_complex) == sizeof(std::complex<float>), "fftwf_complex layout");

// FFTW's planner, plan destruction and wisdom are process-global and not thread-safe: every call into them
// goes through this mutex. The registry shares one plan per (size, kind, effort) between all FftPlan objects.
std::mutex& plannerMutex() {
    static std::mutex m;
    return m;
}

struct SharedFftwPlan {
    fftwf_plan plan = nullptr;
    ~SharedFftwPlan() {
        std::lock_guard lock(plannerMutex());
        if (plan)
            fftwf_destroy_plan(plan);
    }
};

std::atomic<int>& planningFlag() {
    static std::atomic<int> flag{FFTW_MEASURE};
    return flag;
}

std::shared_ptr<SharedFftwPlan> acquireFftwPlan(std::size_t n, FftKind kind) {
    // Registry of weak references: plans live as long as some FftPlan uses them.
    static std::map<std::tuple<std::size_t, int, int>, std::weak_ptr<SharedFftwPlan>> registry;
    std::unique_lock lock(plannerMutex());
    const int flags = planningFlag().load();
    const auto key = std::make_tuple(n, static_cast<int>(kind), flags);
    if (auto it = registry.find(key); it != registry.end()) {
        if (auto p = it->second.lock())
            return p;
    }
    const int ni = static_cast<int>(n);
    fftwf_plan plan = nullptr;
    // Plan on scratch arrays (MEASURE overwrites them); fftwf_malloc gives the alignment every FftPlan's own
    // arrays will have, as required by the new-array execute functions.
    if (kind == FftKind::RealForward) {
        float* in = fftwf_alloc_real(n);
        fftwf_complex* out = fftwf_alloc_complex(n / 2 + 1);
        if (in && out)
            plan = fftwf_plan_dft_r2c_1d(ni, in, out, static_cast<unsigned>(flags));
        fftwf_free(in);
        fftwf_free(out);
    } else {
        fftwf_complex* in = fftwf_alloc_complex(n);
        fftwf_complex* out = fftwf_alloc_complex(n);
        if (in && out)
            plan = fftwf_plan_dft_1d(ni, in, out, FFTW_BACKWARD, static_cast<unsigned>(flags));
        fftwf_free(in);
        fftwf_free(out);
    }
    if (!plan)
        throw std::runtime_error("FFTW could not create a plan of size " + std::to_string(n));
    auto shared =
        std::shared_ptr<SharedFftwPlan>(new SharedFftwPlan{plan}, [](SharedFftwPlan* p) { delete p; });
    registry[key] = shared;
    // Drop expired entries so the registry stays bounded by the number of live sizes.
    for (auto it = registry.begin(); it != registry.end();) {
        if (it->second.expired())
            it = registry.erase(it);
        else
            ++it;
    }
    return shared;
}

} // namespace

struct FftPlan::Impl {
    FftBackend backend;
    std::size_t n;
    FftKind kind;
    // FFTW
    std::shared_ptr<SharedFftwPlan> fftwPlan;
    void* in = nullptr;  // fftwf_malloc'd (FFTW) or malloc'd (Kiss)
    void* out = nullptr; // idem
    // Kiss
    kiss_fftr_cfg kissReal = nullptr;
    kiss_fft_cfg kissComplex = nullptr;

    std::size_t outCount() const { return kind == FftKind::RealForward ? n / 2 + 1 : n; }
    std::size_t inBytes() const {
        return kind == FftKind::RealForward ? n * sizeof(float) : n * sizeof(std::complex<float>);
    }

    ~Impl() {
        if (backend == FftBackend::Fftw) {
            fftwf_free(in);
            fftwf_free(out);
        } else {
            std::free(in);
            std::free(out);
            if (kissReal)
                kiss_fftr_free(kissReal);
            if (kissComplex)
                kiss_fft_free(kissComplex);
        }
        // fftwPlan released after the arrays; its destructor takes the planner mutex when it is the last
        // user.
    }
};

FftPlan::FftPlan(FftBackend backend, std::size_t n, FftKind kind) {
    if (n < 2)
        throw std::invalid_argument("FFT size must be at least 2");
    if (kind == FftKind::RealForward && n % 2 != 0)
        throw std::invalid_argument("real FFT size must be even, got " + std::to_string(n));
    if (n > (1u << 26))
        throw std::invalid_argument("FFT size too large: " + std::to_string(n));
    auto impl = std::make_unique<Impl>();
    impl->backend = backend;
    impl->n = n;
    impl->kind = kind;
    const std::size_t outBytes = impl->outCount() * sizeof(std::complex<float>);
    if (backend == FftBackend::Fftw) {
        impl->fftwPlan = acquireFftwPlan(n, kind);
        impl->in = fftwf_malloc(impl->inBytes());
        impl->out = fftwf_malloc(outBytes);
    } else {
        impl->in = std::malloc(impl->inBytes());
        impl->out = std::malloc(outBytes);
        if (kind == FftKind::RealForward)
            impl->kissReal = kiss_fftr_alloc(static_cast<int>(n), 0, nullptr, nullptr);
        else
            impl->kissComplex = kiss_fft_alloc(static_cast<int>(n), 1, nullptr, nullptr);
        if (!impl->kissReal && !impl->kissComplex)
            throw std::runtime_error("KissFFT could not allocate a plan of size " + std::to_string(n));
    }
    if (!impl->in || !impl->out)
        throw std::bad_alloc();
    std::memset(impl->in, 0, impl->inBytes());
    std::memset(impl->out, 0, outBytes);
    m_impl = std::move(impl);
}

FftPlan::~FftPlan() = default;
FftPlan::FftPlan(FftPlan&&) noexcept = default;
FftPlan& FftPlan::operator=(FftPlan&&) noexcept = default;

float* FftPlan::realInput() {
    return m_impl->kind == FftKind::RealForward ? static_cast<float*>(m_impl->in) : nullptr;
}

std::complex<float>* FftPlan::complexInput() {
    return m_impl->kind == FftKind::ComplexInverse ? static_cast<std::complex<float>*>(m_impl->in) : nullptr;
}

std::complex<float>* FftPlan::output() {
    return static_cast<std::complex<float>*>(m_impl->out);
}
const std::complex<float>* FftPlan::output() const {
    return static_cast<const std::complex<float>*>(m_impl->out);
}
std::size_t FftPlan::outputSize() const {
    return m_impl->outCount();
}
std::size_t FftPlan::size() const {
    return m_impl->n;
}
FftKind FftPlan::kind() const {
    return m_impl->kind;
}
FftBackend FftPlan::backend() const {
    return m_impl->backend;
}

void FftPlan::execute() {
    Impl& p = *m_impl;
    if (p.backend == FftBackend::Fftw) {
        if (p.kind == FftKind::RealForward)
            fftwf_execute_dft_r2c(p.fftwPlan->plan, static_cast<float*>(p.in),
                                  static_cast<fftwf_complex*>(p.out));
        else
            fftwf_execute_dft(p.fftwPlan->plan, static_cast<fftwf_complex*>(p.in),
                              static_cast<fftwf_complex*>(p.out));
    } else {
        if (p.kind == FftKind::RealForward)
            kiss_fftr(p.kissReal, static_cast<const kiss_fft_scalar*>(p.in),
                      static_cast<kiss_fft_cpx*>(p.out));
        else
            kiss_fft(p.kissComplex, static_cast<const kiss_fft_cpx*>(p.in),
                     static_cast<kiss_fft_cpx*>(p.out));
    }
}

void FftPlan::setFftwPlanning(FftwPlanning planning) {
    std::lock_guard lock(plannerMutex());
    planningFlag().store(planning == FftwPlanning::Estimate ? FFTW_ESTIMATE : FFTW_MEASURE);
}

FftwPlanning FftPlan::fftwPlanning() {
    return planningFlag().load() == FFTW_ESTIMATE ? FftwPlanning::Estimate : FftwPlanning::Measure;
}

bool FftPlan::importFftwWisdom(const std::string& path) {
    std::lock_guard lock(plannerMutex());
    return fftwf_import_wisdom_from_filename(path.c_str()) != 0;
}

bool FftPlan::exportFftwWisdom(const std::string& path) {
    std::lock_guard lock(plannerMutex());
    return fftwf_export_wisdom_to_filename(path.c_str()) != 0;
}

} // namespace vibra::dsp
