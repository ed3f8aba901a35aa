#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vibra::storage {

/// Encoding of raw sample blocks (raw_block.data). Format 2 (written): the planar float32 values are split
/// into four byte planes (all first bytes, then all second bytes, ...; little-endian order) and compressed
/// as one zstd frame: the sign/exponent planes of vibration data compress well even when the mantissa is
/// noise. Format 1 (read only): one zstd frame of the planar little-endian float32 values. Lossless: the
/// decoded floats are bit-identical to the input.
///
/// Threads: stateless apart from the caller-owned scratch buffers; use one instance per thread.
class RawCodec {
public:
    static constexpr int kFormatPlain = 1;
    static constexpr int kFormatBytePlanes = 2;

    RawCodec();
    ~RawCodec();
    RawCodec(const RawCodec&) = delete;
    RawCodec& operator=(const RawCodec&) = delete;

    /// Compresses values (planar float32) into out (replaced). Returns the format written.
    int encode(std::span<const float> values, std::vector<std::uint8_t>* out);
    /// Decodes a blob of the given format holding exactly expectedValues floats. False with a message on
    /// corrupt data, unknown format or a size mismatch.
    bool decode(int format, std::span<const std::uint8_t> blob, std::size_t expectedValues,
                std::vector<float>* out, std::string* error);

private:
    void* m_cctx = nullptr; ///< ZSTD_CCtx
    void* m_dctx = nullptr; ///< ZSTD_DCtx
    std::vector<std::uint8_t> m_scratch;
};

} // namespace vibra::storage
