// Unit tests for the pieces of vibra-loadgen (tools/loadgen): the frame writer against decode::FrameCodec
// and the worked example of docs/protocol.md, hardware CRC-32C against decode::crc32c, the RFC 6455 client
// codec (header layout, masking, reader split at every byte), option and URL parsing, and the signal tables
// (determinism, wrap-around, the frequencies they claim, the ramp formula of tools/vibra_send.py).
#include "FrameWriter.h"
#include "LoadOptions.h"
#include "SignalTable.h"
#include "WsCodec.h"
#include "decode/Base64.h"
#include "decode/Crc32c.h"
#include "decode/Frame.h"
#include "decode/JsonBlock.h"

#include <QRandomGenerator>
#include <QtTest>

#include <cmath>
#include <complex>
#include <numbers>

using namespace vibra::loadgen;
namespace decode = vibra::decode;

namespace {

decode::FrameHeader headerOf(const FrameSpec& s) {
    decode::FrameHeader h;
    h.flags = s.t0Utc ? decode::FrameHeader::kFlagT0Utc : 0;
    h.device = s.device;
    h.axes = s.axes;
    h.sequence = s.sequence;
    h.count = s.count;
    h.firstSample = s.firstSample;
    h.t0Ns = s.t0Ns;
    h.rateHz = s.rateHz;
    h.scale = s.scale;
    return h;
}

std::vector<std::uint8_t> written(const FrameSpec& s, const std::vector<std::int16_t>& samples) {
    std::vector<std::uint8_t> out(FrameWriter::frameBytes(s.count, s.axes));
    FrameWriter::write(s, samples.data(), out.data());
    return out;
}

/// Server-side frame (unmasked) for the reader tests.
std::string serverFrame(int opcode, const std::string& payload, bool fin = true) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | opcode);
    if (payload.size() < 126) {
        f += static_cast<char>(payload.size());
    } else {
        f += static_cast<char>(126);
        f += static_cast<char>(payload.size() >> 8);
        f += static_cast<char>(payload.size() & 0xFF);
    }
    return f + payload;
}

ParseResult parse(QStringList args, LoadOptions& o, const char* env = nullptr) {
    std::vector<std::string> v;
    for (const QString& a : args)
        v.push_back(a.toStdString());
    return parseOptions(v, env, o);
}

/// |DFT| of one axis at bin k over n samples (direct sum: an independent check of the table's frequency).
double dftMagnitude(const std::vector<std::int16_t>& s, int axes, int axis, std::size_t n, double k) {
    std::complex<double> acc;
    for (std::size_t i = 0; i < n; ++i)
        acc += static_cast<double>(s[i * axes + axis]) *
               std::polar(1.0, -2.0 * std::numbers::pi * k * static_cast<double>(i) / static_cast<double>(n));
    return std::abs(acc) / static_cast<double>(n);
}

} // namespace

class TstLoadgenUnits : public QObject {
    Q_OBJECT
private slots:
    void frameWriterMatchesFrameCodec() {
        QRandomGenerator rng(7);
        for (int axes = 1; axes <= 3; ++axes) {
            for (int count : {1, 2, 255, 256, 10922}) {
                FrameSpec s;
                s.device = static_cast<std::uint16_t>(rng.bounded(65536));
                s.axes = static_cast<std::uint8_t>(axes);
                s.sequence = rng.generate();
                s.count = static_cast<std::uint16_t>(count);
                s.firstSample = rng.generate64() >> 8;
                s.t0Ns = static_cast<std::int64_t>(rng.generate64() >> 2);
                s.t0Utc = (count & 1) != 0;
                s.rateHz = 26666.667;
                s.scale = SignalTable::kScale;
                std::vector<std::int16_t> samples(static_cast<std::size_t>(count * axes));
                for (auto& v : samples)
                    v = static_cast<std::int16_t>(rng.bounded(65536) - 32768);
                const std::vector<double> raw(samples.begin(), samples.end());
                std::vector<std::uint8_t> reference;
                decode::FrameCodec::encode(headerOf(s), raw, reference);
                const auto ours = written(s, samples);
                QCOMPARE(ours.size(), reference.size());
                QVERIFY2(ours == reference,
                         qPrintable(QStringLiteral("axes %1 count %2").arg(axes).arg(count)));
                decode::DecodedFrame back;
                QCOMPARE(decode::FrameCodec::decode(ours, back), decode::FrameError::None);
                QCOMPARE(back.header.sequence, s.sequence);
                QCOMPARE(back.header.firstSample, s.firstSample);
                QCOMPARE(back.header.t0IsUtc(), s.t0Utc);
                QCOMPARE(back.planar[0], samples[0] * SignalTable::kScale);
            }
        }
    }

    void frameWriterWorkedExample() {
        // docs/protocol.md, "Worked example" (also produced by tools/vibra_send.py example).
        FrameSpec s;
        s.device = 7;
        s.sequence = 42;
        s.firstSample = 1000;
        s.count = 2;
        s.axes = 3;
        s.t0Utc = false;
        s.rateHz = 16000.0;
        s.scale = 1.0f / 16384.0f;
        const auto ours = written(s, {1000, -1000, 16384, 1001, -999, 16383});
        const QByteArray expected = QByteArray::fromHex( // fromHex skips the spaces
            "01 01 00 00 07 00 03 01 2a 00 00 00 02 00 00 00 e8 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
            "00 00 00 00 00 40 cf 40 00 00 80 38 e8 03 18 fc 00 40 e9 03 19 fc ff 3f 99 12 47 64");
        QCOMPARE(
            QByteArray(reinterpret_cast<const char*>(ours.data()), static_cast<int>(ours.size())).toHex(),
            expected.toHex());
    }

    void jsonFormDecodes() {
        FrameSpec s;
        s.device = 3;
        s.sequence = 9;
        s.count = 4;
        s.firstSample = 36;
        s.rateHz = 16000.0;
        s.scale = SignalTable::kScale;
        const std::vector<std::int16_t> samples = {1, -2, 3, 4, -5, 6, 7, 8, -9, 10, 11, -12};
        decode::DecodedFrame back;
        std::string err;
        QVERIFY2(decode::JsonBlock::decode(FrameWriter::json(s, samples.data()), back, &err), err.c_str());
        QCOMPARE(back.header.sequence, 9u);
        QCOMPARE(back.header.firstSample, 36u);
        QCOMPARE(back.planar[4 + 1], -5 * SignalTable::kScale); // axis y of sample 1 (planar layout)
    }

    void crcMatchesReference() {
        const QByteArray check("123456789");
        QCOMPARE(FrameWriter::crc32c(reinterpret_cast<const std::uint8_t*>(check.constData()), 9),
                 0xE3069283u);
        QRandomGenerator rng(3);
        std::vector<std::uint8_t> data(2000);
        for (auto& b : data)
            b = static_cast<std::uint8_t>(rng.bounded(256));
        for (std::size_t off = 0; off < 9; ++off)
            for (std::size_t n : {0, 1, 7, 8, 9, 63, 1580, 1990})
                QCOMPARE(FrameWriter::crc32c(data.data() + off, n),
                         decode::crc32c(std::span<const std::uint8_t>(data.data() + off, n)));
    }

    void wsHeaderLayout() {
        std::uint8_t h[WsCodec::kMaxHeaderBytes];
        const std::uint32_t key = 0x44332211;
        QCOMPARE(WsCodec::writeHeader(h, WsCodec::Binary, 125, key), std::size_t{6});
        QCOMPARE(h[0], std::uint8_t{0x82});
        QCOMPARE(h[1], std::uint8_t{0x80 | 125});
        QCOMPARE(h[2], std::uint8_t{0x11}); // key bytes in memory order
        QCOMPARE(WsCodec::writeHeader(h, WsCodec::Text, 1584, key), std::size_t{8});
        QCOMPARE(h[0], std::uint8_t{0x81});
        QCOMPARE(h[1], std::uint8_t{0x80 | 126});
        QCOMPARE(h[2] << 8 | h[3], 1584);
        QCOMPARE(WsCodec::writeHeader(h, WsCodec::Binary, 65536, key), std::size_t{14});
        QCOMPARE(h[1], std::uint8_t{0x80 | 127});
        QCOMPARE(h[7] << 16 | h[8] << 8 | h[9], 65536);
        for (std::size_t n : {0, 125, 126, 65535, 65536})
            QCOMPARE(WsCodec::writeHeader(h, WsCodec::Binary, n, key), WsCodec::headerBytes(n));
    }

    void maskIsBytewiseXor() {
        const std::uint32_t key = 0xA1B2C3D4;
        std::uint8_t k[4];
        std::memcpy(k, &key, 4);
        for (std::size_t n = 0; n < 40; ++n) {
            std::vector<std::uint8_t> data(n + 3), ref;
            for (std::size_t i = 0; i < data.size(); ++i)
                data[i] = static_cast<std::uint8_t>(i * 37 + 5);
            ref = data;
            for (std::size_t i = 0; i < n; ++i) // RFC 6455 5.3: octet i XOR key octet i mod 4
                ref[3 + i] ^= k[i % 4];
            WsCodec::mask(data.data() + 3, n, key); // unaligned start
            QCOMPARE(data, ref);
        }
    }

    void handshakeKeyIsBase64Of16Bytes() {
        const std::string k = WsCodec::handshakeKey(0x0102030405060708ull, 0x1112131415161718ull);
        std::vector<std::uint8_t> raw;
        QVERIFY(decode::Base64::decode(k, raw, 64));
        QCOMPARE(raw.size(), std::size_t{16});
        QCOMPARE(k.size(), std::size_t{24});
    }

    void readerSplitsAtEveryByte() {
        const std::string big(300, 'x');
        const std::string stream = serverFrame(1, "{\"ack\":-1}") + serverFrame(9, "hi") +
                                   serverFrame(1, "{\"ack\":", false) + serverFrame(0, "7}") +
                                   serverFrame(2, big) + serverFrame(8, std::string("\x03\xe8", 2) + "bye");
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            WsReader r;
            std::vector<WsReader::Message> got;
            WsReader::Message m;
            for (const std::string& part : {stream.substr(0, cut), stream.substr(cut)}) {
                r.feed(reinterpret_cast<const std::uint8_t*>(part.data()), part.size());
                WsReader::Result res;
                while ((res = r.next(m)) == WsReader::Result::Message)
                    got.push_back(m);
                QCOMPARE(res, WsReader::Result::NeedMore);
            }
            QCOMPARE(got.size(), std::size_t{5});
            QCOMPARE(got[0].payload, std::string("{\"ack\":-1}"));
            QCOMPARE(got[1].opcode, WsCodec::Ping);
            QCOMPARE(got[2].payload, std::string("{\"ack\":7}")); // reassembled from two fragments
            QCOMPARE(got[3].payload, big);
            QCOMPARE(got[4].opcode, WsCodec::Close);
        }
    }

    void readerRejectsBadFrames() {
        auto err = [](const std::string& bytes, std::size_t max = 1 << 20) {
            WsReader r(max);
            r.feed(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            WsReader::Message m;
            return r.next(m) == WsReader::Result::Error ? r.error() : std::string();
        };
        QVERIFY(err(std::string("\x81\x82\x00\x00\x00\x00hi", 8)).find("masked") != std::string::npos);
        QVERIFY(err(std::string("\xc1\x02hi", 4)).find("reserved") != std::string::npos);
        QVERIFY(err(std::string("\x80\x02hi", 4)).find("continuation") != std::string::npos);
        QVERIFY(err(serverFrame(2, std::string(200, 'y')), 100).find("larger") != std::string::npos);
        QVERIFY(err(std::string("\x09\x00", 2)).find("control") != std::string::npos); // fragmented ping
    }

    void urlParsing() {
        WsUrl u;
        std::string e;
        QVERIFY(WsUrl::parse("ws://127.0.0.1:8765/ingest", u, &e));
        QCOMPARE(u.host, std::string("127.0.0.1"));
        QCOMPARE(u.port, 8765);
        QCOMPARE(u.target("dev0001"), std::string("/ingest?device=dev0001"));
        QVERIFY(WsUrl::parse("ws://[::1]/ingest?token=a%20b", u, &e));
        QCOMPARE(u.host, std::string("::1"));
        QCOMPARE(u.port, 80);
        QCOMPARE(u.target("x"), std::string("/ingest?token=a%20b&device=x"));
        QVERIFY(WsUrl::parse("ws://host?x=1", u, &e));
        QCOMPARE(u.target("d"), std::string("/?x=1&device=d"));
        for (const char* bad :
             {"http://h/ingest", "wss://h/ingest", "ws://:80/x", "ws://h:0/x", "ws://h:99999/",
              "ws://h/ingest?device=a", "ws://h/ingest?a=1&device=b", "ws://[::1/x"}) {
            QVERIFY2(!WsUrl::parse(bad, u, &e), bad);
            QVERIFY(e.find(bad) != std::string::npos); // the message names the URL
        }
    }

    void optionParsing() {
        LoadOptions o;
        QCOMPARE(parse({"--url", "ws://h:1/ingest", "--devices", "12", "--prefix=pump", "--rate", "25600",
                        "--axes", "2", "--block", "128", "--duration", "1.5", "--format", "json", "--signal",
                        "ramp"},
                       o, "envtok")
                     .status,
                 ParseResult::Status::Run);
        QCOMPARE(o.devices, 12);
        QCOMPARE(o.deviceName(0), std::string("pump0000"));
        QCOMPARE(o.deviceName(11), std::string("pump0011"));
        QCOMPARE(o.token, std::string("envtok"));         // from VIBRASCOPE_TOKEN without --token
        QCOMPARE(o.framesPerDevice(), std::int64_t{300}); // 1.5 s * 25600 / 128
        QCOMPARE(o.format, WireFormat::Json);
        LoadOptions o2;
        QCOMPARE(parse({"--url", "ws://h:1/ingest", "--devices", "10001", "--token", "t"}, o2, "env").status,
                 ParseResult::Status::Run);
        QCOMPARE(o2.deviceName(10000), std::string("dev10000"));
        QCOMPARE(o2.deviceName(7), std::string("dev00007"));
        QCOMPARE(o2.token, std::string("t"));
        QCOMPARE(parse({"--help"}, o2).status, ParseResult::Status::Help);

        const QList<QPair<QStringList, QString>> bad = {
            {{"--devices", "4"}, "--url is required"},
            {{"--url", "ws://h/i", "--devices", "0"}, "--devices '0'"},
            {{"--url", "ws://h/i", "--axes", "4"}, "--axes '4'"},
            {{"--url", "ws://h/i", "--block", "0"}, "--block '0'"},
            {{"--url", "ws://h/i", "--block", "20000"}, "65536-byte"},
            {{"--url", "ws://h/i", "--block", "20000", "--axes", "1", "--format", "json"}, "at most 16384"},
            {{"--url", "ws://h/i", "--rate", "-1"}, "--rate '-1'"},
            {{"--url", "ws://h/i", "--duration", "abc"}, "--duration 'abc'"},
            {{"--url", "ws://h/i", "--duration", "0.001"}, "shorter than one block"},
            {{"--url", "ws://h/i", "--format", "xml"}, "frame or json"},
            {{"--url", "ws://h/i", "--prefix", "a b"}, "--prefix 'a b'"},
            {{"--url", "ws://h/i", "--bogus", "1"}, "unknown option '--bogus'"},
            {{"--url", "ws://h/i", "--devices"}, "--devices needs a value"},
            {{"--url", "http://h/i"}, "must start with ws://"},
        };
        for (const auto& [args, text] : bad) {
            LoadOptions x;
            const ParseResult r = parse(args, x);
            QCOMPARE(r.status, ParseResult::Status::Error);
            QVERIFY2(QString::fromStdString(r.error).contains(text),
                     qPrintable(QString::fromStdString(r.error)));
        }
    }

    void signalIsDeterministicAndWraps() {
        const SignalTable a(5), b(5), c(6);
        const SignalTable::Device d = a.device(17);
        QCOMPARE(b.device(17).variant, d.variant);
        QCOMPARE(b.device(17).offset, d.offset);
        const std::uint64_t first = SignalTable::kPeriod * 3 - 100; // crosses the table end
        std::vector<std::int16_t> whole(256 * 3), x(256 * 3), y(256 * 3), parts(256 * 3);
        a.fill(d, SignalKind::Sine, first, 256, 3, whole.data());
        b.fill(d, SignalKind::Sine, first, 256, 3, x.data());
        c.fill(c.device(17), SignalKind::Sine, first, 256, 3, y.data());
        QCOMPARE(whole, x);
        QVERIFY(whole != y); // another seed, another signal
        a.fill(d, SignalKind::Sine, first, 100, 3, parts.data());
        a.fill(d, SignalKind::Sine, first + 100, 156, 3, parts.data() + 300);
        QCOMPARE(parts, whole);
        std::vector<std::int16_t> two(256 * 2);
        a.fill(d, SignalKind::Sine, first, 256, 2, two.data());
        for (std::size_t i = 0; i < 256; ++i) {
            QCOMPARE(two[i * 2], whole[i * 3]);
            QCOMPARE(two[i * 2 + 1], whole[i * 3 + 1]);
        }
    }

    void sineHasTheClaimedFrequenciesAndLevels() {
        const SignalTable t(1);
        SignalTable::Device d;
        d.variant = 3;
        d.offset = 0;
        const std::size_t n = SignalTable::kPeriod;
        std::vector<std::int16_t> s(n * 3);
        t.fill(d, SignalKind::Sine, 0, static_cast<int>(n), 3, s.data());
        const double g = 16384.0;
        for (int axis = 0; axis < 3; ++axis) {
            const int k = SignalTable::cycles(d.variant, axis);
            const double amp = 2.0 * dftMagnitude(s, 3, axis, n, k) / g; // one-sided amplitude in g
            const double expected[] = {0.5, 0.3, 0.2};
            QVERIFY2(std::abs(amp - expected[axis]) < 0.002, qPrintable(QString::number(amp)));
            QVERIFY(2.0 * dftMagnitude(s, 3, axis, n, k + 7) / g < 0.001); // elsewhere: noise only
            QVERIFY(k >= 82 && k <= 4200);                                 // 20...1025 Hz at 16 kHz
        }
        double meanZ = 0;
        for (std::size_t i = 0; i < n; ++i)
            meanZ += s[i * 3 + 2];
        QVERIFY(std::abs(meanZ / static_cast<double>(n) / g - 1.0) < 0.001); // gravity on z
    }

    void rampMatchesSenderFormula() {
        const SignalTable t(1);
        std::vector<std::int16_t> s(5 * 3);
        t.fill(t.device(0), SignalKind::Ramp, 999, 5, 3, s.data());
        for (int i = 0; i < 5; ++i)
            for (int a = 0; a < 3; ++a) // tools/vibra_send.py test_value
                QCOMPARE(static_cast<int>(s[static_cast<std::size_t>(i * 3 + a)]),
                         static_cast<int>(((999 + i) * 7 + a * 1000) % 2000) - 1000);
    }
};

QTEST_GUILESS_MAIN(TstLoadgenUnits)
#include "tst_loadgen_units.moc"
