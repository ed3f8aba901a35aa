#include "service/HttpIngest.h"

#include "decode/Json.h"
#include "decode/JsonBlock.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace vibra::service {

namespace {
/// The field a JsonBlock error names ("'rate_hz' must be ..." -> rate_hz), or empty.
QString fieldOf(const std::string& error) {
    const auto a = error.find('\'');
    const auto b = a == std::string::npos ? a : error.find('\'', a + 1);
    if (b == std::string::npos)
        return {};
    return QString::fromStdString(error.substr(a + 1, b - a - 1));
}

HttpResponse invalid(QJsonArray errors) {
    QJsonObject o;
    o[QStringLiteral("error")] = QStringLiteral("invalid blocks: nothing was accepted");
    o[QStringLiteral("errors")] = errors;
    return HttpResponse::json(400, QJsonDocument(o).toJson(QJsonDocument::Compact));
}
} // namespace

HttpResponse HttpIngest::handle(const HttpRequest& request) {
    ++m_stats.requests;
    const QString device = request.param(QStringLiteral("device"));
    if (!io::IngestServer::validDeviceName(device)) {
        ++m_stats.invalid;
        return HttpResponse::error(400, QStringLiteral("device= must be 1-64 letters, digits or -_.:"),
                                   QStringLiteral("device"));
    }
    decode::Json doc;
    std::string perr;
    if (!decode::Json::parse(
            std::string_view(request.body.constData(), static_cast<std::size_t>(request.body.size())), doc,
            &perr)) {
        ++m_stats.invalid;
        QJsonObject e;
        e[QStringLiteral("field")] = QStringLiteral("body");
        e[QStringLiteral("error")] = QStringLiteral("invalid JSON: ") + QString::fromStdString(perr);
        return invalid({e});
    }
    std::vector<const decode::Json*> blocks;
    if (doc.isArray()) {
        for (const auto& b : doc.array())
            blocks.push_back(&b);
    } else if (const decode::Json* list = doc.isObject() ? doc.find("blocks") : nullptr;
               list && list->isArray()) {
        for (const auto& b : list->array())
            blocks.push_back(&b);
    } else {
        blocks.push_back(&doc);
    }
    if (blocks.empty() || blocks.size() > kMaxBlocksPerRequest) {
        ++m_stats.invalid;
        QJsonObject e;
        e[QStringLiteral("field")] = QStringLiteral("body");
        e[QStringLiteral("error")] =
            QStringLiteral("send 1 to %1 blocks per request").arg(kMaxBlocksPerRequest);
        return invalid({e});
    }
    m_frames.resize(blocks.size());
    QJsonArray errors;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        std::string err;
        if (!decode::JsonBlock::decode(*blocks[i], m_frames[i], &err)) {
            QJsonObject e;
            e[QStringLiteral("index")] = static_cast<qint64>(i);
            e[QStringLiteral("field")] = fieldOf(err);
            e[QStringLiteral("error")] = QString::fromStdString(err);
            errors.append(e);
        } else if (i > 0 && m_frames[i].header.sequence <= m_frames[i - 1].header.sequence) {
            QJsonObject e;
            e[QStringLiteral("index")] = static_cast<qint64>(i);
            e[QStringLiteral("field")] = QStringLiteral("seq");
            e[QStringLiteral("error")] = QStringLiteral("'seq' must increase within a request");
            errors.append(e);
        }
        if (errors.size() >= 20)
            break;
    }
    if (!errors.isEmpty()) {
        ++m_stats.invalid;
        return invalid(errors);
    }
    std::uint64_t accepted = 0, duplicates = 0;
    std::int64_t ack = -1;
    auto reply = [&](int status) {
        QJsonObject o;
        o[QStringLiteral("device")] = device;
        o[QStringLiteral("accepted")] = static_cast<qint64>(accepted);
        o[QStringLiteral("duplicates")] = static_cast<qint64>(duplicates);
        o[QStringLiteral("ack")] = static_cast<qint64>(ack);
        if (status == 429)
            o[QStringLiteral("error")] =
                QStringLiteral("the device's input queue is full: resend the blocks after 'ack'");
        HttpResponse r = HttpResponse::json(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
        if (status == 429)
            r.addHeader("Retry-After", "1");
        return r;
    };
    for (const auto& f : m_frames) {
        switch (m_server.submit(device, f, &ack)) {
        case io::IngestServer::SubmitResult::Accepted:
            ++accepted;
            ++m_stats.blocksAccepted;
            m_stats.samplesAccepted += f.header.count;
            break;
        case io::IngestServer::SubmitResult::Duplicate:
            ++duplicates;
            ++m_stats.duplicates;
            break;
        case io::IngestServer::SubmitResult::QueueFull:
            ++m_stats.queueFull;
            return reply(429);
        case io::IngestServer::SubmitResult::Refused:
            ++m_stats.refused;
            return HttpResponse::error(
                503, QStringLiteral("device '%1' refused (device limit reached)").arg(device));
        }
    }
    return reply(202);
}

} // namespace vibra::service
