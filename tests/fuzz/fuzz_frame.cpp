// libFuzzer target: byte stream -> COBS stream decoder -> frame codec -> FrameStream.
// Invariants: no crash/UB, bounded buffering, valid frames have consistent sizes and survive COBS.
#include "decode/Cobs.h"
#include "decode/Crc32c.h"
#include "decode/Frame.h"
#include "decode/FrameStream.h"

#include <cstdlib>
#include <cstring>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // 1) the whole input as one raw frame (WebSocket binary message). Half of the inputs get a valid CRC so
    //    the fuzzer reaches the field checks behind it.
    DecodedFrame d;
    std::vector<std::uint8_t> fixed(data, data + size);
    if (size >= FrameCodec::kHeaderBytes + FrameCodec::kCrcBytes && (data[size - 1] & 1)) {
        const std::uint32_t c = crc32c(std::span<const std::uint8_t>(fixed).first(size - 4));
        std::memcpy(fixed.data() + size - 4, &c, 4);
    }
    if (FrameCodec::decode(fixed, d) == FrameError::None) {
        // a valid frame has exactly the announced length and sample count
        if (size != FrameCodec::kHeaderBytes + d.header.payloadBytes() + FrameCodec::kCrcBytes ||
            d.planar.size() != std::size_t{d.header.count} * d.header.axes)
            std::abort();
        // COBS round trip of a valid frame
        std::vector<std::uint8_t> enc, dec;
        Cobs::encode(fixed, enc);
        if (!Cobs::decode(enc, dec) || dec != fixed)
            std::abort();
    }
    // 2) as a serial byte stream, fed in two pieces
    CobsStreamDecoder cobs(FrameCodec::kMaxFrameBytes, size % 2 == 0);
    FrameStream stream(vibra::core::DeviceInfo{},
                       size % 3 == 0 ? FrameStream::Policy::Rebase : FrameStream::Policy::Duplicate);
    const std::size_t cut = size ? data[0] % (size + 1) : 0;
    const auto onFrame = [&](std::span<const std::uint8_t> f) {
        if (FrameCodec::decode(f, d) == FrameError::None) {
            auto b = stream.accept(d, 1);
            if (b && b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()))
                std::abort();
        }
        if (cobs.buffered() > Cobs::maxEncodedSize(FrameCodec::kMaxFrameBytes))
            std::abort();
    };
    cobs.feed({data, cut}, onFrame);
    cobs.feed({data + cut, size - cut}, onFrame);
    return 0;
}
