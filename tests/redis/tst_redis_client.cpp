// redis::Client and redis::RedisUrl against a real redis-server on loopback.
#include "RedisServer.h"
#include "redis/Client.h"
#include "redis/RedisUrl.h"

#include <QtTest>

using namespace vibra;

class TestRedisClient : public QObject {
    Q_OBJECT
private slots:
    void parsesUrls();
    void rejectsBadUrls_data();
    void rejectsBadUrls();
    void commandsAndBinaryValues();
    void pipelineKeepsOrder();
    void errorReplyKeepsConnection();
    void serverGoneIsAnIoError();
    void refusedConnectionSaysWhere();
};

void TestRedisClient::parsesUrls() {
    redis::RedisUrl u;
    std::string err;
    QVERIFY(redis::RedisUrl::parse("redis://localhost", &u, &err));
    QCOMPARE(u.host, std::string("localhost"));
    QCOMPARE(u.port, 6379);
    QCOMPARE(u.prefix, std::string("vibra"));
    QVERIFY(redis::RedisUrl::parse("redis://:s%40cret@10.0.0.2:7000/plant1?group=central&consumer=c%2D1", &u,
                                   &err));
    QCOMPARE(u.host, std::string("10.0.0.2"));
    QCOMPARE(u.port, 7000);
    QCOMPARE(u.password, std::string("s@cret"));
    QCOMPARE(u.prefix, std::string("plant1"));
    QCOMPARE(u.value("group"), std::string("central"));
    QCOMPARE(u.value("consumer"), std::string("c-1"));
    QCOMPARE(u.display(), std::string("10.0.0.2:7000/plant1"));
    QVERIFY(redis::RedisUrl::parse("redis://[::1]:6380/p?maxlen=1000", &u, &err));
    QCOMPARE(u.host, std::string("::1"));
    QCOMPARE(u.port, 6380);
    long long maxlen = 0;
    QVERIFY(u.integer("maxlen", 5, 1, 1'000'000, &maxlen, &err));
    QCOMPARE(maxlen, 1000LL);
    QVERIFY(!u.integer("maxlen", 5, 1, 999, &maxlen, &err));
    QVERIFY(QString::fromStdString(err).contains("maxlen"));
}

void TestRedisClient::rejectsBadUrls_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");
    QTest::newRow("scheme") << "http://x"
                            << "redis://";
    QTest::newRow("tls") << "rediss://x"
                         << "TLS";
    QTest::newRow("no host") << "redis://:7000"
                             << "host";
    QTest::newRow("port") << "redis://h:99999"
                          << "port";
    QTest::newRow("port text") << "redis://h:x1"
                               << "port";
    QTest::newRow("empty port") << "redis://h:"
                                << "port";
    QTest::newRow("prefix") << "redis://h/a b"
                            << "prefix";
    QTest::newRow("percent") << "redis://h/p?group=%4"
                             << "percent";
    QTest::newRow("db") << "redis://h/p?db=x"
                        << "db";
    QTest::newRow("v6") << "redis://[::1/p"
                        << "IPv6";
}

void TestRedisClient::rejectsBadUrls() {
    QFETCH(QString, url);
    QFETCH(QString, message);
    redis::RedisUrl u;
    std::string err;
    QVERIFY(!redis::RedisUrl::parse(url.toStdString(), &u, &err));
    QVERIFY2(QString::fromStdString(err).contains(message), err.c_str());
}

void TestRedisClient::commandsAndBinaryValues() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY2(c.connect(server.url(), 2000, &err), err.c_str());
    const std::string binary("a\0b\r\n\xff", 6);
    auto r = c.command({"SET", "k", binary});
    QVERIFY(r && r->is("OK"));
    r = c.command({"GET", "k"});
    QVERIFY(r);
    QCOMPARE(r->type, redis::Value::Type::String);
    QCOMPARE(r->str, binary);
    r = c.command({"GET", "missing"});
    QVERIFY(r && r->isNil());
    r = c.command({"RPUSH", "l", "1", "2", "3"});
    QVERIFY(r);
    QCOMPARE(r->type, redis::Value::Type::Integer);
    QCOMPARE(r->integer, 3LL);
    r = c.command({"LRANGE", "l", "0", "-1"});
    QVERIFY(r && r->isArray());
    QCOMPARE(r->size(), std::size_t{3});
    QCOMPARE((*r)[2].str, std::string("3"));
}

void TestRedisClient::pipelineKeepsOrder() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    constexpr int kN = 1000;
    for (int i = 0; i < kN; ++i)
        QVERIFY(c.append({"INCR", "n"}));
    for (int i = 0; i < kN; ++i) {
        const auto r = c.getReply();
        QVERIFY(r);
        QCOMPARE(r->integer, static_cast<long long>(i + 1));
    }
}

void TestRedisClient::errorReplyKeepsConnection() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    auto r = c.command({"NOSUCHCOMMAND"});
    QVERIFY(r && r->isError());
    QVERIFY(c.connected());
    r = c.command({"PING"});
    QVERIFY(r && r->is("PONG"));
}

void TestRedisClient::serverGoneIsAnIoError() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    server.stop();
    const auto r = c.command({"PING"});
    QVERIFY(!r);
    QVERIFY(!c.connected());
    QVERIFY(!c.lastError().empty());
}

void TestRedisClient::refusedConnectionSaysWhere() {
    test::RedisServer server;
    QVERIFY(server.start());
    const auto url = server.url();
    server.stop();
    redis::Client c;
    std::string err;
    QVERIFY(!c.connect(url, 1000, &err));
    QVERIFY2(QString::fromStdString(err).contains(QString::number(url.port)), err.c_str());
}

QTEST_GUILESS_MAIN(TestRedisClient)
#include "tst_redis_client.moc"
