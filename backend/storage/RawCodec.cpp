#include "storage/RawCodec.h"

#include <zstd.h>

#include <bit>
#include <cstring>

namespace vibra::storage {

namespace {
constexpr int kLevel = 1; // fast: the writer must keep up with many 16 kHz devices
static_assert(std::endian::native == std::endian::little, "raw blocks are stored little-endian");
} // namespace

RawCodec::RawCodec()
    : m_cctx(ZSTD_createCCtx())
    , m_dctx(ZSTD_createDCtx()) {}

RawCodec::~RawCodec() {
    ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(m_cctx));
    ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(m_dctx));
}

int RawCodec::encode(std::span<const float> values, std::vector<std::uint8_t>* out) {
    const std::size_t n = values.size();
    const std::size_t bytes = n * sizeof(float);
    m_scratch.resize(bytes);
    const auto* src = reinterpret_cast<const std::uint8_t*>(values.data());
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t b = 0; b < 4; ++b)
            m_scratch[b * n + i] = src[i * 4 + b];
    out->resize(ZSTD_compressBound(bytes));
    const std::size_t z = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(m_cctx), out->data(), out->size(),
                                            m_scratch.data(), bytes, kLevel);
    out->resize(ZSTD_isError(z) ? 0 : z); // cannot fail with a bound-sized buffer
    return kFormatBytePlanes;
}

bool RawCodec::decode(int format, std::span<const std::uint8_t> blob, std::size_t expectedValues,
                      std::vector<float>* out, std::string* error) {
    if (format != kFormatPlain && format != kFormatBytePlanes) {
        *error = "unknown raw block format " + std::to_string(format);
        return false;
    }
    const std::size_t bytes = expectedValues * sizeof(float);
    const unsigned long long content = ZSTD_getFrameContentSize(blob.data(), blob.size());
    if (content == ZSTD_CONTENTSIZE_ERROR || (content != ZSTD_CONTENTSIZE_UNKNOWN && content != bytes)) {
        *error = "raw block is corrupt (bad zstd frame or size)";
        return false;
    }
    m_scratch.resize(bytes);
    const std::size_t got = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(m_dctx), m_scratch.data(), bytes,
                                                blob.data(), blob.size());
    if (ZSTD_isError(got) || got != bytes) {
        *error =
            std::string("raw block is corrupt: ") + (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
        return false;
    }
    out->resize(expectedValues);
    auto* dst = reinterpret_cast<std::uint8_t*>(out->data());
    if (format == kFormatPlain) {
        std::memcpy(dst, m_scratch.data(), bytes);
    } else {
        const std::size_t n = expectedValues;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t b = 0; b < 4; ++b)
                dst[i * 4 + b] = m_scratch[b * n + i];
    }
    return true;
}

} // namespace vibra::storage
