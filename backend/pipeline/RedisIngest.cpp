#include "pipeline/RedisIngest.h"

#include "io/PassiveSource.h"
#include "pipeline/DeviceChannel.h"
#include "pipeline/Pipeline.h"
#include "storage/Database.h"
#include "storage/RelayLedger.h"

#include <chrono>

namespace vibra::pipeline {

RedisIngest::RedisIngest(Pipeline& pipeline, redis::StreamConsumer::Options options, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline) {
    m_consumer = std::make_unique<redis::StreamConsumer>(
        std::move(options), [this](const std::string& id, const std::string& uri) {
            QMetaObject::invokeMethod(
                this,
                [this, id = QString::fromStdString(id), uri = QString::fromStdString(uri)] {
                    createChannel(id, uri);
                },
                Qt::QueuedConnection);
        });
}

RedisIngest::~RedisIngest() {
    finish();
}

void RedisIngest::setLedger(const std::string& dbPath) {
    struct Lookup {
        std::string path;
        storage::Database db;
        storage::RelayLedger ledger;
        bool open = false;
        std::chrono::steady_clock::time_point nextTry{};
    };
    auto l = std::make_shared<Lookup>();
    l->path = dbPath;
    // Consumer thread only. The writer creates the database: until it can be opened (at most one attempt a
    // second), nothing is skipped.
    m_consumer->setStoredCheck([l](const std::string& device, const std::string& origin, std::uint64_t seq) {
        if (!l->open) {
            const auto now = std::chrono::steady_clock::now();
            if (now < l->nextTry)
                return false;
            l->nextTry = now + std::chrono::seconds(1);
            std::string err;
            if (!l->db.open(l->path, storage::Database::Mode::ReadOnly, &err) ||
                !l->ledger.prepareLookup(l->db.handle(), &err)) {
                l->ledger.finalize();
                l->db.close();
                return false;
            }
            l->open = true;
        }
        return l->ledger.stored(device, origin, seq) == 1;
    });
}

void RedisIngest::start() {
    m_consumer->start();
}

void RedisIngest::stopReading() {
    m_consumer->requestStop();
}

void RedisIngest::finish() {
    m_consumer->finish();
}

void RedisIngest::createChannel(const QString& deviceId, const QString& uri) {
    // A device of the same name fed by another source would get a second producer: refused (its entries
    // stay pending in Redis for another consumer, or for a restart without that source).
    QString err = QStringLiteral("a device with this id already exists here");
    auto* ch = m_pipeline.find(deviceId)
                   ? nullptr
                   : m_pipeline.addSource(std::make_unique<io::PassiveSource>(
                                              deviceId, uri, QStringLiteral("fed by the Redis consumer")),
                                          &err);
    if (!ch) {
        qWarning("redis: device '%s' refused: %s", qPrintable(deviceId), qPrintable(err));
        m_consumer->provide(deviceId.toStdString(), nullptr);
        return;
    }
    ch->start();
    m_consumer->provide(deviceId.toStdString(), ch->core());
}

QString RedisIngest::statusText() const {
    const auto s = m_consumer->stats();
    QString text = QStringLiteral("consume: %1, %2 streams (%3 owned), lag %4, pending %5, acked %6, dead %7")
                       .arg(s.connected ? QStringLiteral("connected") : QStringLiteral("DISCONNECTED"))
                       .arg(s.streams)
                       .arg(s.owned)
                       .arg(s.lag)
                       .arg(s.pending)
                       .arg(s.acked)
                       .arg(s.deadLettered);
    if (!s.connected && !s.lastError.empty())
        text += QStringLiteral(" (%1)").arg(QString::fromStdString(s.lastError));
    return text;
}

} // namespace vibra::pipeline
