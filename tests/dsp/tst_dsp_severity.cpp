// Severity zones: default tables (dsp.md section 7), boundary convention, CSV overrides and their errors.
#include "dsp/SeverityTable.h"

#include <QtTest>

#include <cmath>

using namespace vibra::dsp;

class TstDspSeverity : public QObject {
    Q_OBJECT
private slots:
    void defaultsAndBoundaries_data() {
        QTest::addColumn<QString>("id");
        QTest::addColumn<double>("ab");
        QTest::addColumn<double>("bc");
        QTest::addColumn<double>("cd");
        QTest::newRow("g1 rigid") << "iso10816-3/group1/rigid" << 2.3 << 4.5 << 7.1;
        QTest::newRow("g1 flexible") << "iso10816-3/group1/flexible" << 3.5 << 7.1 << 11.0;
        QTest::newRow("g2 rigid") << "iso10816-3/group2/rigid" << 1.4 << 2.8 << 4.5;
        QTest::newRow("g2 flexible") << "iso10816-3/group2/flexible" << 2.3 << 4.5 << 7.1;
        QTest::newRow("class I") << "iso10816-1/class1" << 0.71 << 1.8 << 4.5;
        QTest::newRow("class II") << "iso10816-1/class2" << 1.12 << 2.8 << 7.1;
        QTest::newRow("class III") << "iso10816-1/class3" << 1.8 << 4.5 << 11.2;
        QTest::newRow("class IV") << "iso10816-1/class4" << 2.8 << 7.1 << 18.0;
    }

    void defaultsAndBoundaries() {
        QFETCH(QString, id);
        QFETCH(double, ab);
        QFETCH(double, bc);
        QFETCH(double, cd);
        const SeverityTable t = SeverityTable::defaults();
        const SeverityPreset* p = t.find(id.toStdString());
        QVERIFY(p);
        QCOMPARE(p->abMmS, ab);
        QCOMPARE(p->bcMmS, bc);
        QCOMPARE(p->cdMmS, cd);
        QCOMPARE(p->bandLowHz, 10.0);
        QCOMPARE(p->bandHighHz, 1000.0);
        QVERIFY(!p->source.empty());
        const std::string s = id.toStdString();
        QCOMPARE(t.classify(s, 0.0), SeverityZone::A);
        QCOMPARE(t.classify(s, ab), SeverityZone::A); // boundary belongs to the lower zone
        QCOMPARE(t.classify(s, std::nextafter(ab, 1e9)), SeverityZone::B);
        QCOMPARE(t.classify(s, bc), SeverityZone::B);
        QCOMPARE(t.classify(s, std::nextafter(bc, 1e9)), SeverityZone::C);
        QCOMPARE(t.classify(s, cd), SeverityZone::C);
        QCOMPARE(t.classify(s, std::nextafter(cd, 1e9)), SeverityZone::D);
        QCOMPARE(t.classify(s, std::nan("")), SeverityZone::Unknown);
        QCOMPARE(t.classify(s, -1.0), SeverityZone::Unknown);
    }

    void unknownId() { QCOMPARE(SeverityTable::defaults().classify("nope", 1.0), SeverityZone::Unknown); }

    void csvOverride() {
        SeverityTable t = SeverityTable::defaults();
        std::string err;
        QVERIFY2(t.applyCsv("# my plant\nid,ab,bc,cd,bandLowHz,bandHighHz,description\n"
                            "iso10816-3/group2/rigid, 1.0, 2.0, 3.0\n"
                            "pump-7,2,4,6,2,1000,Pump 7, slow, on a skid\n",
                            &err),
                 err.c_str());
        const SeverityPreset* g2 = t.find("iso10816-3/group2/rigid");
        QCOMPARE(g2->abMmS, 1.0);
        QCOMPARE(g2->cdMmS, 3.0);
        QCOMPARE(t.classify("iso10816-3/group2/rigid", 2.5), SeverityZone::C);
        const SeverityPreset* pump = t.find("pump-7");
        QVERIFY(pump);
        QCOMPARE(pump->bandLowHz, 2.0);
        QCOMPARE(QString::fromStdString(pump->description), QString("Pump 7, slow, on a skid"));
        QCOMPARE(QString::fromStdString(pump->source), QString("user"));
        // Round trip.
        SeverityTable u;
        QVERIFY(u.applyCsv(t.toCsv(), &err));
        QCOMPARE(u.presets().size(), t.presets().size());
        QCOMPARE(u.find("pump-7")->cdMmS, 6.0);
    }

    void csvErrorsLeaveTableUnchanged() {
        SeverityTable t = SeverityTable::defaults();
        std::string err;
        QVERIFY(!t.applyCsv("a,1,2\n", &err));
        QVERIFY(err.find("line 1") != std::string::npos);
        QVERIFY(!t.applyCsv("ok,1,2,3\nbad,3,2,1\n", &err)); // not increasing
        QVERIFY(err.find("line 2") != std::string::npos);
        QVERIFY(!t.find("ok"));
        QVERIFY(!t.applyCsv("x,1,two,3\n", &err));
        QVERIFY(!t.applyCsv("x,1,2,3,10,5\n", &err));
        QCOMPARE(t.presets().size(), SeverityTable::defaults().presets().size());
        QVERIFY(!t.set(SeverityPreset{"", "", 1, 2, 3}));
    }
};

QTEST_GUILESS_MAIN(TstDspSeverity)
#include "tst_dsp_severity.moc"
