#include "service/HttpIngest.h"

#include "decode/JsonBlock.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

#include <cmath>

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

/// Range checks that name the field (JsonBlock reports some of them jointly); empty when fine.
std::pair<QString, QString> precheck(const nlohmann::json& b) {
    if (!b.is_object())
        return {QStringLiteral("body"), QStringLiteral("a block must be a JSON object")};
    const auto find = [&](const char* k) -> const nlohmann::json* {
        const auto it = b.find(k);
        return it == b.end() ? nullptr : &*it;
    };
    const auto integer = [&](const char* k) -> QString {
        std::int64_t x = 0;
        const nlohmann::json* v = find(k);
        if (v && (!decode::jsonInt64(*v, x) || x < 0))
            return QStringLiteral("'%1' must be a whole number >= 0").arg(QLatin1String(k));
        return {};
    };
    for (const char* k : {"seq", "first", "t0_ns", "n"})
        if (const QString e = integer(k); !e.isEmpty())
            return {QString::fromLatin1(k), e};
    if (const nlohmann::json* r = find("rate_hz");
        r && (!r->is_number() || !(r->get<double>() > 0) || r->get<double>() > 10e6))
        return {QStringLiteral("rate_hz"), QStringLiteral("'rate_hz' must be a number in (0, 10e6]")};
    if (const nlohmann::json* sc = find("scale");
        sc && (!sc->is_number() || !std::isfinite(sc->get<double>()) || sc->get<double>() == 0))
        return {QStringLiteral("scale"), QStringLiteral("'scale' must be a finite number other than 0")};
    std::int64_t axes = 0;
    if (const nlohmann::json* a = find("axes"); a && (!decode::jsonInt64(*a, axes) || axes < 1 || axes > 3))
        return {QStringLiteral("axes"), QStringLiteral("'axes' must be 1, 2 or 3")};
    return {};
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
    nlohmann::json doc;
    std::string perr;
    if (!decode::parseJson(
            std::string_view(request.body.constData(), static_cast<std::size_t>(request.body.size())), doc,
            &perr)) {
        ++m_stats.invalid;
        QJsonObject e;
        e[QStringLiteral("field")] = QStringLiteral("body");
        e[QStringLiteral("error")] = QStringLiteral("invalid JSON: ") + QString::fromStdString(perr);
        return invalid({e});
    }
    std::vector<const nlohmann::json*> blocks;
    if (doc.is_array()) {
        for (const auto& b : doc)
            blocks.push_back(&b);
    } else if (const auto list = doc.is_object() ? doc.find("blocks") : doc.end();
               list != doc.end() && list->is_array()) {
        for (const auto& b : *list)
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
        if (const auto [field, why] = precheck(*blocks[i]); !field.isEmpty()) {
            QJsonObject e;
            e[QStringLiteral("index")] = static_cast<qint64>(i);
            e[QStringLiteral("field")] = field;
            e[QStringLiteral("error")] = why;
            errors.append(e);
        } else if (!decode::JsonBlock::decodeDocument(*blocks[i], m_frames[i], &err)) {
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
