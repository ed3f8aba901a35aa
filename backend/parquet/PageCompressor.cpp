#include "parquet/PageCompressor.h"

#include <snappy.h>
#include <zstd.h>

namespace vibra::parquet {

PageCompressor::~PageCompressor() {
    ZSTD_freeCCtx(m_zstd);
}

bool PageCompressor::init(Compression codec, int zstdLevel, std::string* error) {
    m_codec = codec;
    m_zstdLevel = zstdLevel;
    if (codec == Compression::Zstd) {
        if (zstdLevel < ZSTD_minCLevel() || zstdLevel > ZSTD_maxCLevel()) {
            if (error)
                *error = "zstd level " + std::to_string(zstdLevel) + " out of range [" +
                         std::to_string(ZSTD_minCLevel()) + ", " + std::to_string(ZSTD_maxCLevel()) + "]";
            return false;
        }
        if (!m_zstd)
            m_zstd = ZSTD_createCCtx();
        if (!m_zstd) {
            if (error)
                *error = "cannot create a zstd compression context (out of memory)";
            return false;
        }
    }
    return true;
}

bool PageCompressor::compress(std::span<const std::uint8_t> input, std::span<const std::uint8_t>* out,
                              std::string* error) {
    switch (m_codec) {
    case Compression::None:
        *out = input;
        return true;
    case Compression::Snappy: {
        m_out.resize(snappy::MaxCompressedLength(input.size()));
        std::size_t n = 0;
        snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                            reinterpret_cast<char*>(m_out.data()), &n);
        *out = {m_out.data(), n};
        return true;
    }
    case Compression::Zstd: {
        m_out.resize(ZSTD_compressBound(input.size()));
        const std::size_t n =
            ZSTD_compressCCtx(m_zstd, m_out.data(), m_out.size(), input.data(), input.size(), m_zstdLevel);
        if (ZSTD_isError(n)) {
            if (error)
                *error = std::string("zstd compression failed: ") + ZSTD_getErrorName(n);
            return false;
        }
        *out = {m_out.data(), n};
        return true;
    }
    }
    if (error)
        *error = "unknown compression codec";
    return false;
}

} // namespace vibra::parquet
