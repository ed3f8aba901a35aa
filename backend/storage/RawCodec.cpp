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

namespace {
void putVarint(std::vector<std::uint8_t>* out, std::uint64_t v) {
    while (v >= 0x80) {
        out->push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    out->push_back(static_cast<std::uint8_t>(v));
}

std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

bool getVarint(std::span<const std::uint8_t> in, std::size_t* pos, std::uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
        const std::uint8_t b = in[(*pos)++];
        *v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}
} // namespace

void RawCodec::encodeParts(std::span<const RawPart> parts, std::int64_t rowSeq, std::int64_t rowTNs,
                           std::vector<std::uint8_t>* out) {
    out->clear();
    std::int64_t seq = rowSeq, t = rowTNs;
    for (const auto& p : parts) {
        putVarint(out, p.count);
        putVarint(out, zigzag(p.sequence - seq));
        putVarint(out, zigzag(p.startTimeNs - t));
        putVarint(out, p.offset);
        seq = p.sequence;
        t = p.startTimeNs;
    }
}

bool RawCodec::decodeParts(std::span<const std::uint8_t> blob, std::int64_t rowSeq, std::int64_t rowTNs,
                           std::uint64_t rowCount, std::vector<RawPart>* out, std::string* error) {
    out->clear();
    std::int64_t seq = rowSeq, t = rowTNs;
    std::uint64_t total = 0;
    std::size_t pos = 0;
    while (pos < blob.size()) {
        std::uint64_t count = 0, dseq = 0, dt = 0, offset = 0;
        if (!getVarint(blob, &pos, &count) || !getVarint(blob, &pos, &dseq) || !getVarint(blob, &pos, &dt) ||
            !getVarint(blob, &pos, &offset) || count == 0 || count > 0xFFFFFFFFu || offset > 0xFFFFFFFFu) {
            *error = "raw block parts are corrupt";
            return false;
        }
        seq += unzigzag(dseq);
        t += unzigzag(dt);
        out->push_back({static_cast<std::uint32_t>(count), seq, t, static_cast<std::uint32_t>(offset)});
        total += count;
    }
    if (out->empty() || total != rowCount) {
        *error = "raw block parts do not add up to the row's samples";
        return false;
    }
    return true;
}

} // namespace vibra::storage
