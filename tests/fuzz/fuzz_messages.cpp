// libFuzzer target: the message decoder as the ingest server uses it (binary frames and JSON blocks, sequence
// policy Duplicate) and as a WebSocket client does (auto, Rebase), messages split from the input at 0xFF.
// Invariants: no crash/UB; every message is accepted, a duplicate or rejected with a reason and a message;
// blocks consistent; the stats agree with the results.
#include "decode/StreamDecoder.h"

#include <cstdlib>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    StreamDecoder::Config cfg;
    cfg.transport = StreamDecoder::Transport::Messages;
    cfg.format = (data[0] & 1) ? InputFormat::Frame : InputFormat::Auto;
    cfg.sequencePolicy = (data[0] & 2) ? FrameStream::Policy::Duplicate : FrameStream::Policy::Rebase;
    auto dec = StreamDecoder::create(cfg);
    StreamDecoder::Blocks blocks;
    std::uint64_t accepted = 0, duplicates = 0, rejected = 0;
    std::size_t start = 1;
    while (start <= size) {
        std::size_t end = start;
        while (end < size && data[end] != 0xFF)
            ++end;
        const MessageKind kind = (end - start) % 2 ? MessageKind::Binary : MessageKind::Text;
        const MessageResult r = dec->feedMessage({data + start, end - start}, kind, 0, blocks);
        switch (r.status) {
        case MessageResult::Status::Accepted:
            ++accepted;
            break;
        case MessageResult::Status::Duplicate:
            ++duplicates;
            break;
        case MessageResult::Status::Rejected:
            if (r.error.empty())
                std::abort();
            ++rejected;
            break;
        }
        start = end + 1;
    }
    dec->finish(blocks);
    for (const auto& b : blocks)
        if (b->data.size() != std::size_t{b->count} * static_cast<std::size_t>(b->axisCount()) ||
            b->count == 0)
            std::abort();
    const auto& s = dec->stats();
    if (s.malformed + s.crc != rejected || s.duplicates > duplicates + accepted)
        std::abort();
    return 0;
}
