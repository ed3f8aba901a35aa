#include "storage/TimeText.h"

#include "core/Clock.h"

#include <QDateTime>
#include <QRegularExpression>

#include <cmath>
#include <cstdio>
#include <ctime>

namespace vibra::storage {

std::string TimeText::isoMicros(std::int64_t ns) {
    const std::int64_t sec = core::floorDiv(ns, core::kSecondNs);
    const std::int64_t rem = ns - sec * core::kSecondNs;
    const std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96]; // room for any int the format could get: no truncation
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(rem / 1000));
    return buf;
}

std::optional<std::int64_t> TimeText::parse(const QString& text) {
    const QString t = text.trimmed();
    static const QRegularExpression number(QStringLiteral("^(-?\\d+(?:\\.\\d+)?)(s|ms|us|ns)?$"));
    const auto m = number.match(t);
    if (m.hasMatch()) {
        const QString unit = m.captured(2);
        if (unit == QLatin1String("ns")) {
            bool ok = false;
            const qint64 v = m.captured(1).toLongLong(&ok);
            return ok ? std::optional<std::int64_t>(v) : std::nullopt;
        }
        const double v = m.captured(1).toDouble();
        const double scale = unit == QLatin1String("ms") ? 1e6 : unit == QLatin1String("us") ? 1e3 : 1e9;
        const double ns = v * scale;
        if (!std::isfinite(ns) || std::abs(ns) > 9.2e18)
            return std::nullopt;
        return static_cast<std::int64_t>(std::llround(ns));
    }
    QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC);
    // Qt keeps milliseconds only: add the sub-millisecond digits ourselves.
    std::int64_t ns = dt.toMSecsSinceEpoch() * 1'000'000;
    static const QRegularExpression frac(QStringLiteral("\\.(\\d+)"));
    const auto f = frac.match(t);
    if (f.hasMatch() && f.captured(1).size() > 3) {
        QString digits = f.captured(1).left(9);
        digits = digits.leftJustified(9, QLatin1Char('0'));
        ns += digits.mid(3).toLongLong();
    }
    return ns;
}

} // namespace vibra::storage
