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
/// One source block inside a raw_block row (a row may hold several contiguous blocks of one device).
struct RawPart {
    std::uint32_t count = 0;      ///< samples per axis of this part
    std::int64_t sequence = 0;    ///< the source block's sequence number
    std::int64_t startTimeNs = 0; ///< the source block's startTimeNs (time of its sample 0)
    std::uint32_t offset = 0;     ///< index of the part's first sample within its source block (0 unless the
                                  ///< block was cut, e.g. its head was a duplicate)
};

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

    /// raw_block.parts: per part, as varints, count, sequence - previous sequence (zigzag), startTimeNs -
    /// previous startTimeNs (zigzag), offset; "previous" starts at the row's seq and t_ns. Compact (about 7
    /// bytes a part) and exact.
    static void encodeParts(std::span<const RawPart> parts, std::int64_t rowSeq, std::int64_t rowTNs,
                            std::vector<std::uint8_t>* out);
    /// Inverse of encodeParts; false with a message when the bytes are malformed or the counts do not add up
    /// to rowCount.
    static bool decodeParts(std::span<const std::uint8_t> blob, std::int64_t rowSeq, std::int64_t rowTNs,
                            std::uint64_t rowCount, std::vector<RawPart>* out, std::string* error);

private:
    void* m_cctx = nullptr; ///< ZSTD_CCtx
    void* m_dctx = nullptr; ///< ZSTD_DCtx
    std::vector<std::uint8_t> m_scratch;
};

} // namespace vibra::storage
