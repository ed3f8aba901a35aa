// Unit tests for the JSON path of vibra::decode: JSON parsing through nlohmann-json (its verdicts checked
// against Python's json module on the same inputs), base64, the JSON block form (checked against
// tools/vibra_send.py) and the SensorServer message shape.
#include "IoTestUtil.h"
#include "JsonTestDocs.h"
#include "decode/Base64.h"
#include "decode/JsonBlock.h"
#include "decode/SensorServerMessage.h"

#include <QtTest>

#include <nlohmann/json.hpp>

using namespace vibra::decode;

class TstDecodeJson : public QObject {
    Q_OBJECT
private slots:
    void parserAgreesWithPython() {
        const QStringList docs = jsonTestDocs();
        QString code = "import json\nfor s in [";
        for (const QString& d : docs)
            code += "'" + QString::fromLatin1(d.toUtf8().toBase64()) + "',";
        code += "]:\n  import base64\n  t = base64.b64decode(s).decode()\n"
                "  try:\n    json.loads(t, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))\n"
                "    ok = not ('\\t' in t and '\"a\\tb\"' in t)\n"
                "    v = json.loads(t)\n    json.dumps(v, ensure_ascii=False).encode('utf-8')  # lone "
                "surrogates are not UTF-8\n"
                "    ok = ok and not (isinstance(v, list) and any(isinstance(x, float) and x in "
                "(float('inf'), -float('inf')) for x in v))\n"
                "    print(1 if ok else 0)\n  except Exception:\n    print(0)\n";
        bool ok = false;
        const QList<QByteArray> verdicts = vibra::test::runPython(code, &ok).trimmed().split('\n');
        QVERIFY(ok);
        QCOMPARE(verdicts.size(), docs.size());
        for (int i = 0; i < docs.size(); ++i) {
            nlohmann::json j;
            std::string err;
            const bool mine = parseJson(docs[i].toStdString(), j, &err);
            QVERIFY2(mine == (verdicts[i] == "1"),
                     qPrintable(docs[i] + " -> " + QString::fromStdString(err)));
        }
    }

    void exactIntegersAndUtf8() {
        nlohmann::json j;
        std::string err;
        QVERIFY(
            parseJson(R"({"t":3925657519043709,"big":9007199254740993,"neg":-5,"huge":9223372036854775808,)"
                      R"("f":1.5,"s":"é"})",
                      j));
        std::int64_t v = 0;
        QVERIFY(jsonInt64(j["big"], v));
        QCOMPARE(v, std::int64_t{9007199254740993}); // not rounded through double
        QVERIFY(jsonInt64(j["neg"], v));
        QCOMPARE(v, std::int64_t{-5});
        QVERIFY(!jsonInt64(j["huge"], v)); // 2^63 does not fit
        QVERIFY(!jsonInt64(j["f"], v));
        QCOMPARE(j["s"].get<std::string>(), std::string("\xC3\xA9"));
        QVERIFY(!parseJson("\"\xC3\"", j, &err)); // truncated UTF-8
        QVERIFY(!err.empty());
        QVERIFY(!parseJson("\"\xED\xA0\x80\"", j)); // encoded surrogate
        QVERIFY(!parseJson("\"\xC0\xAF\"", j));     // overlong
        QVERIFY(!parseJson("\"\xFF\"", j));
        // deep nesting: parsed without recursion, destroyed without a stack overflow
        const std::string deep(100000, '[');
        QVERIFY(parseJson(deep + std::string(100000, ']'), j));
        QVERIFY(!parseJson(deep, j, &err));
        QVERIFY(!err.empty());
    }

    void base64RoundTripAndStrictness() {
        for (int n = 0; n < 20; ++n) {
            std::vector<std::uint8_t> d;
            for (int i = 0; i < n; ++i)
                d.push_back(static_cast<std::uint8_t>(i * 37 + 11));
            const std::string e = Base64::encode(d);
            QCOMPARE(QByteArray::fromStdString(e),
                     QByteArray(reinterpret_cast<const char*>(d.data()), n).toBase64());
            std::vector<std::uint8_t> back;
            QVERIFY(Base64::decode(e, back, 1000));
            QCOMPARE(back, d);
        }
        std::vector<std::uint8_t> out;
        QVERIFY(!Base64::decode("abc", out, 100));
        QVERIFY(!Base64::decode("ab=c", out, 100));
        QVERIFY(!Base64::decode("a*cd", out, 100));
        QVERIFY(!Base64::decode("AAAAAAAA", out, 5)); // longer than allowed
    }

    void jsonBlockFromPythonSender() {
        bool ok = false;
        const QByteArray out = vibra::test::runPython(
            "import vibra_send as v, json\n"
            "print(v.json_block(9, 5, 777, v.block_values(777, 10, 3), 16000.0, 3, 'i16', 0.25, 'm/s2'))\n"
            "print(json.dumps({'v':1,'seq':6,'first':787,'rate_hz':16000,'samples':[[1,2],[3,4.5]],'scale':2}"
            "))\n",
            &ok);
        QVERIFY(ok);
        const auto lines = out.split('\n');
        DecodedFrame d;
        std::string err;
        QVERIFY2(JsonBlock::decode(lines[0].toStdString(), d, &err), err.c_str());
        QCOMPARE(d.header.device, std::uint16_t{9});
        QCOMPARE(d.header.sequence, 5u);
        QCOMPARE(d.header.firstSample, std::uint64_t{777});
        QCOMPARE(d.header.count, std::uint16_t{10});
        QCOMPARE(d.header.unit, vibra::core::Unit::MetersPerSecond2);
        for (int k = 0; k < 10; ++k)
            for (int a = 0; a < 3; ++a)
                QCOMPARE(d.planar[static_cast<std::size_t>(a * 10 + k)],
                         float(vibra::test::testValue(777u + static_cast<unsigned>(k), a) * 0.25));
        // C++ encoder -> same document fields decode identically
        std::vector<double> raw;
        for (int k = 0; k < 10; ++k)
            for (int a = 0; a < 3; ++a)
                raw.push_back(vibra::test::testValue(777u + static_cast<unsigned>(k), a));
        DecodedFrame d2;
        QVERIFY(JsonBlock::decode(JsonBlock::encode(d.header, raw), d2, &err));
        QCOMPARE(d2.planar, d.planar);
        // samples form
        QVERIFY2(JsonBlock::decode(lines[1].toStdString(), d, &err), err.c_str());
        QCOMPARE(int{d.header.axes}, 2);
        QCOMPARE(d.planar, (std::vector<float>{2, 6, 4, 9}));
    }

    void jsonBlockRejections_data() {
        QTest::addColumn<QString>("doc");
        for (const auto& [name, doc] : jsonBlockBadDocs())
            QTest::newRow(name) << QString::fromUtf8(doc);
    }
    void jsonBlockRejections() {
        QFETCH(QString, doc);
        DecodedFrame d;
        std::string err;
        QVERIFY(!JsonBlock::decode(doc.toStdString(), d, &err));
        QVERIFY(!err.empty());
    }

    void sensorServerShape() {
        SensorServerMessage m;
        std::string err;
        QVERIFY(SensorServerMessage::parse(std::string_view(kSensorDoc0), m, &err));
        QCOMPARE(m.axes, 3);
        QCOMPARE(m.values[1], 9.81);
        QCOMPARE(m.timestampNs, std::int64_t{3925657519043709});
        QCOMPARE(m.accuracy, 2);
        QVERIFY(SensorServerMessage::parse(std::string_view(kSensorDoc1), m));
        QCOMPARE(m.type, std::string("android.sensor.accelerometer"));
        QVERIFY(!SensorServerMessage::parse(std::string_view(kSensorDoc2), m));
        QVERIFY(!SensorServerMessage::parse(std::string_view(kSensorDoc3), m));
        QVERIFY(!SensorServerMessage::parse(std::string_view(kSensorDoc4), m));
        QVERIFY(!SensorServerMessage::parse(std::string_view("\xff\xfe"), m, &err));
        nlohmann::json j;
        QVERIFY(parseJson(kSensorDoc5, j));
        QVERIFY(SensorServerMessage::looksLike(j));
        QVERIFY(!JsonBlock::looksLike(j));
    }
};

QTEST_GUILESS_MAIN(TstDecodeJson)
#include "tst_decode_json.moc"
