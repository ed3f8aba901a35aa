// decode::StreamDecoder, the one decode path: the factory, format=auto (text lines vs frames, and what it
// says), fail-fast on binary garbage (a megabyte of zero bytes) and on a line without a line break, exact
// reject accounting into DeviceCounters, the inferred gap after a reconnect of an untimed text stream
// (against a simulated device whose lost lines are known), and the message formats of the WebSocket client
// and the ingest server.
#include "decode/Cobs.h"
#include "decode/JsonBlock.h"
#include "decode/StreamDecoder.h"

#include <QtTest>

using namespace vibra::decode;
using vibra::core::DropReason;

namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

StreamDecoder::Config byteConfig(InputFormat f, double rate = 0.0) {
    StreamDecoder::Config c;
    c.format = f;
    c.rateHz = rate;
    return c;
}

// One frame of `count` samples (3 axes, int16), COBS-encoded with its delimiter.
std::vector<std::uint8_t> cobsFrame(std::uint32_t seq, std::uint64_t first, std::uint16_t count) {
    FrameHeader h;
    h.sequence = seq;
    h.firstSample = first;
    h.count = count;
    h.rateHz = 1000;
    std::vector<double> raw(std::size_t{count} * 3);
    for (std::size_t i = 0; i < raw.size(); ++i)
        raw[i] = static_cast<double>((first * 3 + i) % 1000);
    std::vector<std::uint8_t> frame, out;
    FrameCodec::encode(h, raw, frame);
    Cobs::encode(frame, out);
    out.push_back(0);
    return out;
}

bool anyNotice(const std::vector<std::string>& notices, const std::string& text) {
    for (const auto& n : notices)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

std::uint64_t total(const StreamDecoder::Blocks& blocks) {
    std::uint64_t n = 0;
    for (const auto& b : blocks)
        n += b->count;
    return n;
}

} // namespace

class TstDecodeStream : public QObject {
    Q_OBJECT
private slots:
    void factoryPicksTheDecoder() {
        QCOMPARE(StreamDecoder::create(byteConfig(InputFormat::Frame))->formatName(), std::string("frame"));
        QCOMPARE(StreamDecoder::create(byteConfig(InputFormat::Csv))->formatName(), std::string("csv"));
        QCOMPARE(StreamDecoder::create(byteConfig(InputFormat::Auto))->formatName(), std::string("auto"));
        StreamDecoder::Config m = byteConfig(InputFormat::SensorServer);
        m.transport = StreamDecoder::Transport::Messages;
        QCOMPARE(StreamDecoder::create(m)->formatName(), std::string("sensorserver"));
    }

    void autoDetectsTextLines() {
        auto d = StreamDecoder::create(byteConfig(InputFormat::Auto, 1000));
        std::string text = "boot ok\nax,ay,az\n";
        for (int i = 0; i < 4000; ++i)
            text += std::to_string(i) + "," + std::to_string(-i) + "," + std::to_string(2 * i) + "\r\n";
        StreamDecoder::Blocks out;
        for (std::size_t i = 0; i < text.size(); i += 13)
            d->feed(bytes(std::string_view(text).substr(i, 13)), 0, out);
        d->finish(out);
        QCOMPARE(d->formatName(), std::string("csv"));
        QVERIFY(anyNotice(d->takeNotices(), "text lines detected"));
        QCOMPARE(total(out), std::uint64_t{4000}); // "boot ok" went as a possibly partial first line
        QCOMPARE(out.front()->device->axisNames, (std::vector<std::string>{"ax", "ay", "az"}));
        QCOMPARE(out.back()->axis(2)[out.back()->count - 1], 7998.0f);
        QCOMPARE(d->stats().malformed, std::uint64_t{0});
    }

    void autoDetectsFramesAfterGarbage() {
        auto d = StreamDecoder::create(byteConfig(InputFormat::Auto));
        // mid-frame bytes, then the 0x00 a device sends when the port opens (docs/protocol.md)
        std::vector<std::uint8_t> in = {0x31, 0x32, 0x0a, 0x99, 0xff, 0x00};
        for (std::uint32_t s = 0; s < 20; ++s) {
            const auto f = cobsFrame(s, s * 64, 64);
            in.insert(in.end(), f.begin(), f.end());
        }
        StreamDecoder::Blocks out;
        for (std::size_t i = 0; i < in.size(); i += 97)
            d->feed(std::span<const std::uint8_t>(in).subspan(i, std::min<std::size_t>(97, in.size() - i)), 0,
                    out);
        QCOMPARE(d->formatName(), std::string("frame"));
        QVERIFY(anyNotice(d->takeNotices(), "frames detected"));
        QCOMPARE(total(out), std::uint64_t{20 * 64});
        QCOMPARE(d->stats().resyncs, std::uint64_t{1}); // the partial start, not an error
        QCOMPARE(d->stats().malformed, std::uint64_t{0});
    }

    void zeroBytesFailWithinAMegabyte_data() {
        QTest::addColumn<int>("format");
        QTest::newRow("auto") << int(InputFormat::Auto);
        QTest::newRow("csv") << int(InputFormat::Csv);
        QTest::newRow("frame") << int(InputFormat::Frame);
    }
    void zeroBytesFailWithinAMegabyte() {
        QFETCH(int, format);
        StreamDecoder::Config c = byteConfig(static_cast<InputFormat>(format), 1000);
        c.startsAtBoundary = true;
        auto d = StreamDecoder::create(c);
        const std::vector<std::uint8_t> zeros(65536, 0);
        StreamDecoder::Blocks out;
        std::uint64_t fed = 0;
        while (d->fatalError().empty() && fed < (std::uint64_t{2} << 30)) {
            d->feed(zeros, 0, out);
            fed += zeros.size();
        }
        QVERIFY2(fed <= StreamDecoder::kGiveUpBytes + zeros.size(), qPrintable(QString::number(fed)));
        QVERIFY2(d->fatalError().find("zero") != std::string::npos, d->fatalError().c_str());
        QVERIFY(out.empty());
    }

    void aLineWithoutABreakIsCountedAndGivenUp() {
        StreamDecoder::Config c = byteConfig(InputFormat::Csv, 1000);
        c.startsAtBoundary = true;
        auto d = StreamDecoder::create(c);
        const std::string piece(65536, '7');
        StreamDecoder::Blocks out;
        vibra::core::DeviceCounters counters;
        d->feed(bytes(piece), 0, out);
        d->account(counters);
        // counted the moment it crossed maxline, long before its end
        QCOMPARE(counters.snapshot().framesDropped[static_cast<std::size_t>(DropReason::Malformed)],
                 std::uint64_t{1});
        QCOMPARE(d->stats().oversized, std::uint64_t{1});
        std::uint64_t fed = piece.size();
        while (d->fatalError().empty() && fed < 100'000'000) {
            d->feed(bytes(piece), 0, out);
            fed += piece.size();
        }
        QVERIFY(fed <= StreamDecoder::kGiveUpBytes + piece.size());
        QVERIFY2(d->fatalError().find("maxline") != std::string::npos, d->fatalError().c_str());
        d->account(counters);
        QCOMPARE(counters.snapshot().framesDropped[static_cast<std::size_t>(DropReason::Malformed)],
                 std::uint64_t{1}); // one line, one count
    }

    void rejectsAreAccountedExactlyOnce() {
        // text: every bad line once, as a dropped frame (its samples were never received)
        auto d = StreamDecoder::create(byteConfig(InputFormat::Csv, 1000));
        d->markBoundary();
        std::string text;
        std::uint64_t bad = 0;
        for (int i = 0; i < 3000; ++i) {
            text += std::to_string(i) + ",1,2\n";
            if (i % 7 == 3) {
                text += (i % 2) ? "1,2\n" : "x,y,z,w\n";
                ++bad;
            }
        }
        StreamDecoder::Blocks out;
        vibra::core::DeviceCounters counters;
        for (std::size_t i = 0; i < text.size(); i += 500) {
            d->feed(bytes(std::string_view(text).substr(i, 500)), 0, out);
            d->account(counters);
        }
        d->finish(out);
        d->account(counters);
        auto c = counters.snapshot();
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(DropReason::Malformed)], bad);
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
        QCOMPARE(c.bytes, std::uint64_t(text.size()));
        QCOMPARE(total(out), std::uint64_t{3000});

        // frames: a CRC failure, an invalid COBS piece and a duplicate, each once
        auto f = StreamDecoder::create(byteConfig(InputFormat::Frame));
        std::vector<std::uint8_t> in = {0};
        auto good = cobsFrame(0, 0, 16);
        in.insert(in.end(), good.begin(), good.end());
        auto corrupt = cobsFrame(1, 16, 16);
        corrupt[40] ^= 0x01;
        in.insert(in.end(), corrupt.begin(), corrupt.end());
        in.insert(in.end(), {0x05, 0x01, 0x00}); // code byte pointing past the end
        auto next = cobsFrame(2, 32, 16);
        in.insert(in.end(), next.begin(), next.end());
        in.insert(in.end(), next.begin(), next.end()); // the same sequence again
        vibra::core::DeviceCounters fc;
        StreamDecoder::Blocks fout;
        f->feed(in, 0, fout);
        f->account(fc);
        c = fc.snapshot();
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(DropReason::Crc)], std::uint64_t{1});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(DropReason::Malformed)], std::uint64_t{1});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(DropReason::Duplicate)], std::uint64_t{1});
        QCOMPARE(total(fout), std::uint64_t{32});
    }

    void reconnectGapComesFromTheSettledBacklog() {
        // A simulated 1 kHz device: line k is complete at k ms. The port drops at A = 100 ms (the read then
        // held lines 0..99 and the first bytes of line 100), comes back at B = 600 ms with a backlog that
        // starts in the middle of line 299 and holds 300..599, then lines arrive in real time in 10 ms reads.
        // Lines 100..299 are lost: exactly 200.
        auto d = StreamDecoder::create(byteConfig(InputFormat::Csv, 1000));
        d->markBoundary();
        const auto line = [](int k) { return std::to_string(k) + "," + std::to_string(-k) + "\n"; };
        StreamDecoder::Blocks out;
        std::string before;
        for (int k = 0; k < 100; ++k)
            before += line(k);
        before += "10"; // line 100 cut
        constexpr std::int64_t kMs = 1'000'000;
        d->feed(bytes(before), 100 * kMs, out);
        d->transportLost();
        d->transportResumed(0.5);
        std::string backlog = "9,-299\n"; // the tail of line 299
        for (int k = 300; k < 600; ++k)
            backlog += line(k);
        d->feed(bytes(backlog), 600 * kMs, out);
        for (int t = 610; t <= 900; t += 10) {
            std::string chunk;
            for (int k = t - 10; k < t; ++k)
                chunk += line(k);
            d->feed(bytes(chunk), t * kMs, out);
        }
        d->close(out);
        std::uint64_t next = 0, missing = 0;
        for (const auto& b : out) {
            if (b->firstSample > next) {
                missing += b->firstSample - next;
                QVERIFY(b->indexInferred);
                QCOMPARE(b->axis(0)[0], 300.0f);
            }
            next = b->firstSample + b->count;
        }
        QCOMPARE(missing, std::uint64_t{200});
        QCOMPARE(next, std::uint64_t{900}); // index 899 is line 899: the timeline is right after the gap
        QCOMPARE(d->stats().resyncs, std::uint64_t{1});
    }

    void messageFormats() {
        StreamDecoder::Config c;
        c.transport = StreamDecoder::Transport::Messages;
        FrameHeader h;
        h.sequence = 4;
        h.firstSample = 100;
        h.count = 2;
        h.rateHz = 500;
        const std::vector<double> raw{1, 2, 3, 4, 5, 6};
        std::vector<std::uint8_t> frame;
        FrameCodec::encode(h, raw, frame);
        h.sequence = 5;
        h.firstSample = 102;
        const std::string block = JsonBlock::encode(h, raw);
        const std::string sensor = R"({"values":[1,2,3],"timestamp":1000000000})";
        const auto feed = [](StreamDecoder& d, std::span<const std::uint8_t> m, MessageKind k) {
            StreamDecoder::Blocks out;
            return d.feedMessage(m, k, 0, out);
        };
        using S = MessageResult::Status;
        c.format = InputFormat::Auto;
        auto a = StreamDecoder::create(c);
        QCOMPARE(feed(*a, frame, MessageKind::Binary).status, S::Accepted);
        QCOMPARE(feed(*a, bytes(block), MessageKind::Text).status, S::Accepted);
        QCOMPARE(feed(*a, bytes(sensor), MessageKind::Text).status, S::Accepted);
        c.format = InputFormat::Frame; // the ingest server: frames in both forms, no SensorServer
        c.sequencePolicy = FrameStream::Policy::Duplicate;
        auto f = StreamDecoder::create(c);
        QCOMPARE(feed(*f, frame, MessageKind::Binary).status, S::Accepted);
        QCOMPARE(feed(*f, bytes(block), MessageKind::Text).status, S::Accepted);
        const MessageResult dup = feed(*f, frame, MessageKind::Binary);
        QCOMPARE(dup.status, S::Duplicate);
        QCOMPARE(dup.header->sequence, 4u);
        QCOMPARE(feed(*f, bytes(sensor), MessageKind::Text).status, S::Rejected);
        std::vector<std::uint8_t> bad = frame;
        bad[50] ^= 1;
        const MessageResult crc = feed(*f, bad, MessageKind::Binary);
        QCOMPARE(crc.status, S::Rejected);
        QCOMPARE(crc.reason, DropReason::Crc);
        QVERIFY(!crc.error.empty());
        c.format = InputFormat::Json;
        auto j = StreamDecoder::create(c);
        QCOMPARE(feed(*j, frame, MessageKind::Binary).status, S::Rejected);
        QCOMPARE(feed(*j, bytes(block), MessageKind::Text).status, S::Accepted);
        const MessageResult notJson = feed(*j, bytes("{\"v\":1,"), MessageKind::Text);
        QCOMPARE(notJson.status, S::Rejected);
        QVERIFY2(notJson.error.find("JSON") != std::string::npos, notJson.error.c_str());
        QCOMPARE(j->stats().malformed, std::uint64_t{2});
    }
};

QTEST_GUILESS_MAIN(TstDecodeStream)
#include "tst_decode_stream.moc"
