#pragma once

#include "parquet/ParquetSchema.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct ZSTD_CCtx_s;

namespace vibra::parquet {

/// Compresses one page body with the file's codec: UNCOMPRESSED (copy), SNAPPY (raw Snappy block, no framing)
/// or ZSTD (one RFC 8878 frame). Keeps one ZSTD context and reuses its output buffer, so compressing costs no
/// allocation once the largest page has been seen.
///
/// Threading: owned by the thread that owns the ParquetWriter.
class PageCompressor {
public:
    PageCompressor() = default;
    ~PageCompressor();
    PageCompressor(const PageCompressor&) = delete;
    PageCompressor& operator=(const PageCompressor&) = delete;

    bool init(Compression codec, int zstdLevel, std::string* error);
    /// Sets *out to the compressed bytes (valid until the next call); false with *error set on failure.
    bool compress(std::span<const std::uint8_t> input, std::span<const std::uint8_t>* out,
                  std::string* error);

    Compression codec() const { return m_codec; }

private:
    Compression m_codec = Compression::None;
    int m_zstdLevel = 3;
    ZSTD_CCtx_s* m_zstd = nullptr;
    std::vector<std::uint8_t> m_out;
};

} // namespace vibra::parquet
