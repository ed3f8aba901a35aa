// Unit tests for the binary path of vibra::decode: CRC-32C, COBS, frame codec, the COBS stream decoder
// (split at every byte boundary, garbage, CRC errors, resync) and FrameStream. Golden bytes come from the
// independent Python reference sender (tools/vibra_send.py: bitwise CRC, its own COBS and struct packing).
#include "IoTestUtil.h"
#include "decode/Cobs.h"
#include "decode/Crc32c.h"
#include "decode/Frame.h"
#include "decode/FrameStream.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace vibra::decode;

namespace {
std::vector<std::uint8_t> bytesOf(const QByteArray& b) {
    return {b.begin(), b.end()};
}
std::vector<std::uint8_t> fromHex(const QByteArray& hex) {
    return bytesOf(QByteArray::fromHex(QByteArray(hex).replace(' ', "")));
}

FrameHeader header(std::uint32_t seq, std::uint64_t first, std::uint16_t n, std::uint8_t axes = 3,
                   SampleFormat fmt = SampleFormat::Int16, float scale = 1.0f) {
    FrameHeader h;
    h.device = 5;
    h.sequence = seq;
    h.firstSample = first;
    h.count = n;
    h.axes = axes;
    h.format = fmt;
    h.scale = scale;
    h.rateHz = 16000.0;
    return h;
}

std::vector<double> testRaw(std::uint64_t first, int n, int axes) {
    std::vector<double> v;
    for (int k = 0; k < n; ++k)
        for (int a = 0; a < axes; ++a)
            v.push_back(vibra::test::testValue(first + static_cast<std::uint64_t>(k), a));
    return v;
}

std::vector<std::uint8_t> cobsFramed(const std::vector<std::uint8_t>& frame) {
    std::vector<std::uint8_t> out;
    Cobs::encode(frame, out);
    out.push_back(0);
    return out;
}
} // namespace

class TstDecodeFrame : public QObject {
    Q_OBJECT
private slots:
    void crcCheckValue() {
        const QByteArray s("123456789");
        QCOMPARE(crc32c(bytesOf(s)), 0xE3069283u);
        QCOMPARE(crc32c({}), 0u);
        // incremental == one shot, over every split point
        const auto b = bytesOf(QByteArray("The quick brown fox jumps over the lazy dog"));
        for (std::size_t k = 0; k <= b.size(); ++k) {
            std::uint32_t st = crc32cUpdate(0xFFFFFFFFu, std::span(b).first(k));
            st = crc32cUpdate(st, std::span(b).subspan(k));
            QCOMPARE(st ^ 0xFFFFFFFFu, crc32c(b));
        }
        // the hardware path (when the CPU has it) and the tables agree on every length and alignment
        std::vector<std::uint8_t> r(1000);
        std::uint32_t x = 12345;
        for (auto& v : r)
            v = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
        for (std::size_t off = 0; off < 9; ++off)
            for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 500u, 991u})
                QCOMPARE(crc32cUpdate(0xFFFFFFFFu, std::span(r).subspan(off, len)),
                         vibra::decode::crc32cSoftware(0xFFFFFFFFu, std::span(r).subspan(off, len)));
    }

    void crcMatchesPythonReference() {
        // random buffers: C++ slicing-by-4 vs the bitwise Python implementation
        bool ok = false;
        const QByteArray out = vibra::test::runPython(
            "import random, vibra_send as v\nrandom.seed(7)\n"
            "for n in [0,1,2,3,4,5,7,8,255,1000]:\n"
            "  b = bytes(random.randrange(256) for _ in range(n)); print(b.hex(), '%08x' % v.crc32c(b))\n",
            &ok);
        QVERIFY(ok);
        int lines = 0;
        for (const QByteArray& line : out.split('\n')) {
            if (line.isEmpty())
                continue;
            const auto parts = line.split(' ');
            QCOMPARE(crc32c(fromHex(parts[0])), parts[1].toUInt(nullptr, 16));
            ++lines;
        }
        QCOMPARE(lines, 10);
    }

    void cobsKnownVectors() {
        // Vectors from the COBS paper / Wikipedia examples
        const struct {
            const char* in;
            const char* out;
        } cases[] = {{"00", "0101"},
                     {"0000", "010101"},
                     {"11220033", "03112202 33"},
                     {"11223344", "0511223344"},
                     {"11000000", "02110101 01"},
                     {"", "01"}};
        for (const auto& c : cases) {
            const auto in = fromHex(c.in);
            std::vector<std::uint8_t> enc;
            Cobs::encode(in, enc);
            QCOMPARE(
                QByteArray(reinterpret_cast<const char*>(enc.data()), static_cast<int>(enc.size())).toHex(),
                QByteArray(c.out).replace(' ', ""));
            std::vector<std::uint8_t> dec;
            QVERIFY(Cobs::decode(enc, dec));
            QCOMPARE(dec, in);
        }
        // 254 and 255 non-zero bytes: the 0xFF code
        for (int n : {253, 254, 255, 508, 600}) {
            std::vector<std::uint8_t> in(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i)
                in[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(1 + i % 255);
            std::vector<std::uint8_t> enc, dec;
            Cobs::encode(in, enc);
            QVERIFY(enc.size() <= Cobs::maxEncodedSize(in.size()));
            QVERIFY(std::find(enc.begin(), enc.end(), 0) == enc.end());
            QVERIFY(Cobs::decode(enc, dec));
            QCOMPARE(dec, in);
        }
        std::vector<std::uint8_t> dec;
        QVERIFY(!Cobs::decode(fromHex("05112233"), dec)); // code points past the end
        QVERIFY(!Cobs::decode(fromHex("031100"), dec));   // zero inside
    }

    void goldenExampleFromDocsAndPython() {
        // The worked example of docs/protocol.md, produced by the Python sender.
        bool ok = false;
        const QByteArray out = vibra::test::runPython(
            "import vibra_send as v\n"
            "f = v.encode_frame(dev=7, seq=42, first=1000, samples=[1000,-1000,16384,1001,-999,16383],"
            " rate_hz=16000.0, axes=3, fmt='i16', scale=1.0/16384, unit='g')\n"
            "print(f.hex()); print((v.cobs_encode(f) + b'\\0').hex())\n",
            &ok);
        QVERIFY(ok);
        const auto lines = out.split('\n');
        const auto frame = fromHex(lines[0]);
        QCOMPARE(frame.size(), std::size_t{60});
        DecodedFrame d;
        QCOMPARE(FrameCodec::decode(frame, d), FrameError::None);
        QCOMPARE(d.header.device, std::uint16_t{7});
        QCOMPARE(d.header.sequence, 42u);
        QCOMPARE(d.header.firstSample, std::uint64_t{1000});
        QCOMPARE(d.header.count, std::uint16_t{2});
        QCOMPARE(d.header.rateHz, 16000.0);
        QCOMPARE(d.planar.size(), std::size_t{6});
        const float expect[] = {1000.f / 16384, 1001.f / 16384, -1000.f / 16384,
                                -999.f / 16384, 1.0f,           16383.f / 16384};
        for (int i = 0; i < 6; ++i)
            QCOMPARE(d.planar[static_cast<std::size_t>(i)], expect[i]);
        // C++ encoder produces the same bytes
        FrameHeader h = d.header;
        std::vector<std::uint8_t> mine;
        FrameCodec::encode(h, std::vector<double>{1000, -1000, 16384, 1001, -999, 16383}, mine);
        QCOMPARE(mine, frame);
        std::vector<std::uint8_t> cobs;
        Cobs::encode(frame, cobs);
        cobs.push_back(0);
        QCOMPARE(cobs, fromHex(lines[1]));
        // and the hex printed in docs/protocol.md is this frame
        QFile doc(vibra::test::sourceDir() + "/docs/protocol.md");
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const QByteArray md = doc.readAll();
        QString all;
        for (std::uint8_t b : frame)
            all += QStringLiteral("%1 ").arg(b, 2, 16, QLatin1Char('0'));
        QVERIFY2(QString::fromUtf8(md).simplified().contains(all.trimmed()),
                 "docs/protocol.md worked example differs from the encoder output");
    }

    void formatsRoundTripAgainstPython() {
        // i32 and f32 with scale, 1 and 2 axes, bytes from Python compared to C++ encode + decode.
        bool ok = false;
        const QByteArray out = vibra::test::runPython(
            "import vibra_send as v\n"
            "for fmt, axes, scale in [('i32', 1, 0.5), ('f32', 2, 1.0), ('i16', 3, 0.001)]:\n"
            "  vals = v.block_values(123456789, 17, axes)\n"
            "  print(fmt, axes, v.encode_frame(3, 99, 123456789, vals, 26666.667, axes, fmt, scale, "
            "'m/s2').hex())\n",
            &ok);
        QVERIFY(ok);
        int n = 0;
        for (const QByteArray& line : out.split('\n')) {
            if (line.isEmpty())
                continue;
            const auto parts = line.split(' ');
            const int axes = parts[1].toInt();
            const auto bytes = fromHex(parts[2]);
            DecodedFrame d;
            QCOMPARE(FrameCodec::decode(bytes, d), FrameError::None);
            QCOMPARE(int{d.header.axes}, axes);
            QCOMPARE(d.header.unit, vibra::core::Unit::MetersPerSecond2);
            QCOMPARE(d.header.count, std::uint16_t{17});
            for (int k = 0; k < 17; ++k)
                for (int a = 0; a < axes; ++a)
                    QCOMPARE(
                        d.planar[static_cast<std::size_t>(a * 17 + k)],
                        static_cast<float>(vibra::test::testValue(123456789u + static_cast<unsigned>(k), a) *
                                           static_cast<double>(d.header.scale)));
            std::vector<std::uint8_t> mine;
            FrameCodec::encode(d.header, testRaw(123456789, 17, axes), mine);
            QCOMPARE(mine, bytes);
            ++n;
        }
        QCOMPARE(n, 3);
    }

    void rejectsBadFrames() {
        std::vector<std::uint8_t> f;
        FrameCodec::encode(header(1, 0, 8), testRaw(0, 8, 3), f);
        DecodedFrame d;
        QCOMPARE(FrameCodec::decode(f, d), FrameError::None);
        // every single-bit flip is caught by the CRC
        for (std::size_t i = 0; i < f.size(); ++i) {
            auto g = f;
            g[i] ^= 0x10;
            QCOMPARE(FrameCodec::decode(g, d), FrameError::Crc);
        }
        // truncated at every length
        for (std::size_t k = 0; k < f.size(); ++k) {
            const FrameError e = FrameCodec::decode(std::span(f).first(k), d);
            QVERIFY(e == FrameError::TooShort || e == FrameError::Crc);
        }
        // huge count field with a correct CRC: length mismatch, not an over-read
        auto h = header(1, 0, 8);
        std::vector<std::uint8_t> g;
        FrameCodec::encode(h, testRaw(0, 8, 3), g);
        g[12] = 0xFF;
        g[13] = 0xFF; // count = 65535
        const std::uint32_t c = crc32c(std::span(g).first(g.size() - 4));
        std::memcpy(g.data() + g.size() - 4, &c, 4);
        QCOMPARE(FrameCodec::decode(g, d), FrameError::LengthMismatch);
        // bad version, bad axes, bad rate (valid CRC each time)
        const auto patch = [&](std::size_t off, std::uint8_t v) {
            auto x = f;
            x[off] = v;
            const std::uint32_t cc = crc32c(std::span(x).first(x.size() - 4));
            std::memcpy(x.data() + x.size() - 4, &cc, 4);
            return x;
        };
        QCOMPARE(FrameCodec::decode(patch(0, 2), d), FrameError::BadVersion);
        QCOMPARE(FrameCodec::decode(patch(6, 0), d), FrameError::BadField);
        QCOMPARE(FrameCodec::decode(patch(6, 4), d), FrameError::BadField);
        QCOMPARE(FrameCodec::decode(patch(7, 9), d), FrameError::BadField);
        QCOMPARE(FrameCodec::decode(patch(39, 0xFF), d), FrameError::BadField); // rate = NaN
        std::vector<std::uint8_t> big(FrameCodec::kMaxFrameBytes + 1, 1);
        QCOMPARE(FrameCodec::decode(big, d), FrameError::TooLong);
    }

    void streamSplitAtEveryByteBoundary() {
        std::vector<std::uint8_t> stream{0};
        for (std::uint32_t s = 0; s < 3; ++s) {
            std::vector<std::uint8_t> f;
            FrameCodec::encode(header(s, s * 4u, 4), testRaw(s * 4u, 4, 3), f);
            const auto c = cobsFramed(f);
            stream.insert(stream.end(), c.begin(), c.end());
        }
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            for (std::size_t cut2 = cut; cut2 <= stream.size(); cut2 += 7) {
                CobsStreamDecoder dec(FrameCodec::kMaxFrameBytes);
                std::vector<std::uint32_t> seqs;
                const auto onFrame = [&](std::span<const std::uint8_t> b) {
                    DecodedFrame d;
                    QCOMPARE(FrameCodec::decode(b, d), FrameError::None);
                    seqs.push_back(d.header.sequence);
                };
                const std::span<const std::uint8_t> all(stream);
                dec.feed(all.first(cut), onFrame);
                dec.feed(all.subspan(cut, cut2 - cut), onFrame);
                dec.feed(all.subspan(cut2), onFrame);
                QCOMPARE(seqs, (std::vector<std::uint32_t>{0, 1, 2}));
                QCOMPARE(dec.stats().resyncs, std::uint64_t{0});
            }
        }
    }

    void garbageCrcErrorsAndResync() {
        std::vector<std::uint8_t> f1, f2, bad;
        FrameCodec::encode(header(0, 0, 4), testRaw(0, 4, 3), f1);
        FrameCodec::encode(header(1, 4, 4), testRaw(4, 4, 3), f2);
        bad = f2;
        bad[50] ^= 1;
        std::vector<std::uint8_t> stream;
        // opened mid-frame: tail of a frame first
        const auto c1 = cobsFramed(f1);
        stream.insert(stream.end(), c1.begin() + 10, c1.end());
        // random garbage without zero, then a delimiter
        QRandomGenerator rng(42);
        for (int i = 0; i < 500; ++i)
            stream.push_back(static_cast<std::uint8_t>(1 + rng.bounded(255)));
        stream.push_back(0);
        const auto cb = cobsFramed(bad);
        stream.insert(stream.end(), cb.begin(), cb.end());
        stream.insert(stream.end(), c1.begin(), c1.end());
        // an endless run without delimiter longer than the maximum, then f2
        stream.insert(stream.end(), 200000, 0x55);
        stream.push_back(0);
        const auto c2 = cobsFramed(f2);
        stream.insert(stream.end(), c2.begin(), c2.end());

        CobsStreamDecoder dec(FrameCodec::kMaxFrameBytes);
        int good = 0, crc = 0, other = 0;
        dec.feed(stream, [&](std::span<const std::uint8_t> b) {
            DecodedFrame d;
            switch (FrameCodec::decode(b, d)) {
            case FrameError::None:
                ++good;
                break;
            case FrameError::Crc:
                ++crc;
                break;
            default:
                ++other;
                break;
            }
            QVERIFY(dec.buffered() <= Cobs::maxEncodedSize(FrameCodec::kMaxFrameBytes));
        });
        QCOMPARE(good, 2);
        QCOMPARE(crc, 1);
        QCOMPARE(dec.stats().resyncs, std::uint64_t{1});                 // the partial first frame
        QCOMPARE(dec.stats().oversized, std::uint64_t{1});               // the 200 kB run
        QCOMPARE(other + static_cast<int>(dec.stats().decodeErrors), 1); // the garbage piece
    }

    void frameStreamSequenceAndTime() {
        vibra::core::DeviceInfo base;
        base.id = "d";
        FrameStream dup(base, FrameStream::Policy::Duplicate);
        DecodedFrame d;
        std::vector<std::uint8_t> f;
        const auto feed = [&](FrameStream& s, std::uint32_t seq, std::uint64_t first) {
            f.clear();
            FrameCodec::encode(header(seq, first, 16), testRaw(first, 16, 3), f);
            const FrameError e = FrameCodec::decode(f, d);
            if (e != FrameError::None)
                qFatal("encode/decode failed");
            return s.accept(d, 1'000'000'000'000);
        };
        auto b0 = feed(dup, 0, 0);
        QVERIFY(b0);
        QCOMPARE(b0->startTimeNs, std::int64_t{1'000'000'000'000});
        QCOMPARE(b0->axisCount(), 3);
        QCOMPARE(b0->axis(1)[5], static_cast<float>(vibra::test::testValue(5, 1)));
        auto b1 = feed(dup, 1, 16);
        QCOMPARE(b1->startTimeNs, std::int64_t{1'000'000'000'000 + 1'000'000}); // 16 samples @ 16 kHz = 1 ms
        QVERIFY(!feed(dup, 1, 16));
        QVERIFY(!feed(dup, 0, 0));
        QCOMPARE(dup.stats().duplicates, std::uint64_t{2});
        auto b4 = feed(dup, 4, 64);
        QCOMPARE(b4->firstSample, std::uint64_t{64});
        QCOMPARE(dup.stats().missingFrames, std::uint64_t{2});

        FrameStream reb(base, FrameStream::Policy::Rebase);
        feed(reb, 10, 1000);
        feed(reb, 11, 1016);
        auto r = feed(reb, 0, 0); // device restarted
        QVERIFY(r);
        QCOMPARE(r->firstSample, std::uint64_t{1032});
        QCOMPARE(reb.stats().restarts, std::uint64_t{1});
    }
};

QTEST_GUILESS_MAIN(TstDecodeFrame)
#include "tst_decode_frame.moc"
