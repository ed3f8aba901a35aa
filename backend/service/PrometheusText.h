#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>
#include <span>

namespace vibra::service {

/// Writes the Prometheus text exposition format 0.0.4: a # HELP and # TYPE line per family, then its
/// samples; label values escaped (backslash, double quote, newline); numbers in the shortest exact form
/// (+Inf, -Inf, NaN spelled as Prometheus wants). Families must be written whole, one after the other.
///
/// Threads: a plain value; used by one thread at a time.
class PrometheusText {
public:
    using Labels = QList<QPair<QString, QString>>;
    static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// type: counter | gauge | histogram | untyped.
    void family(const char* name, const char* type, const char* help);
    void sample(const char* name, const Labels& labels, double value);
    void sample(const char* name, double value) { sample(name, {}, value); }
    /// A whole histogram family's samples: cumulative bucket counts for bounds, then +Inf, _sum, _count.
    void histogram(const char* name, const Labels& labels, std::span<const double> bounds,
                   std::span<const std::uint64_t> cumulative, std::uint64_t count, double sum);

    const QByteArray& text() const { return m_text; }
    static QByteArray number(double v);
    static QByteArray escape(const QString& labelValue);

private:
    void labelsText(const Labels& labels, const char* extraName = nullptr, const QByteArray& extraValue = {});
    QByteArray m_text;
};

} // namespace vibra::service
