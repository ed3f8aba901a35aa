#pragma once

#include "pipeline/RollupRecord.h"
#include "storage/HistoryQuery.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace vibra::service {

/// JSON shapes shared by the API routes (docs/service.md lists them). Pure functions, any thread.
struct JsonViews {
    static QJsonValue number(double v); ///< null for NaN / inf
    static QString isoTime(std::int64_t ns);
    static QJsonObject axisValues(const storage::HistoryQuery::AxisValues& a, const std::string& name);
    static QJsonObject state(const storage::HistoryQuery::State& s);
    static QJsonObject point(const storage::HistoryQuery::Point& p, const storage::StoredDevice& d);
    static QJsonObject event(const storage::HistoryQuery::EventRecord& e);
    /// A live second from the engine (ChannelCore::lastSecond()).
    static QJsonObject liveSecond(const pipeline::RollupRecord& r);
    /// Summary numbers of a live second: largest AC RMS and velocity over the axes, zone (-1 unknown).
    struct Summary {
        double rms = 0;
        double velocity = std::nan("");
        int zone = -1;
    };
    static Summary summarize(const pipeline::RollupRecord& r);
};

} // namespace vibra::service
