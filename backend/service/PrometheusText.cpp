#include "service/PrometheusText.h"

#include <cmath>
#include <cstdio>

namespace vibra::service {

QByteArray PrometheusText::number(double v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)
        return QByteArray::number(static_cast<qint64>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    // Shorter form when it reads back identically.
    for (int prec = 6; prec < 17; ++prec) {
        char s[32];
        std::snprintf(s, sizeof s, "%.*g", prec, v);
        if (std::strtod(s, nullptr) == v)
            return QByteArray(s);
    }
    return QByteArray(buf);
}

QByteArray PrometheusText::escape(const QString& labelValue) {
    QByteArray out;
    for (const char c : labelValue.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void PrometheusText::family(const char* name, const char* type, const char* help) {
    m_text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void PrometheusText::labelsText(const Labels& labels, const char* extraName, const QByteArray& extraValue) {
    if (labels.isEmpty() && !extraName)
        return;
    m_text += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first)
            m_text += ',';
        first = false;
        m_text += k.toUtf8() + "=\"" + escape(v) + '"';
    }
    if (extraName) {
        if (!first)
            m_text += ',';
        m_text += QByteArray(extraName) + "=\"" + extraValue + '"';
    }
    m_text += '}';
}

void PrometheusText::sample(const char* name, const Labels& labels, double value) {
    m_text += name;
    labelsText(labels);
    m_text += ' ' + number(value) + '\n';
}

void PrometheusText::histogram(const char* name, const Labels& labels, std::span<const double> bounds,
                               std::span<const std::uint64_t> cumulative, std::uint64_t count, double sum) {
    const QByteArray bucket = QByteArray(name) + "_bucket";
    for (std::size_t i = 0; i < bounds.size() && i < cumulative.size(); ++i) {
        m_text += bucket;
        labelsText(labels, "le", number(bounds[i]));
        m_text += ' ' + QByteArray::number(static_cast<qulonglong>(cumulative[i])) + '\n';
    }
    m_text += bucket;
    labelsText(labels, "le", "+Inf");
    m_text += ' ' + QByteArray::number(static_cast<qulonglong>(count)) + '\n';
    m_text += QByteArray(name) + "_sum";
    labelsText(labels);
    m_text += ' ' + number(sum) + '\n';
    m_text += QByteArray(name) + "_count";
    labelsText(labels);
    m_text += ' ' + QByteArray::number(static_cast<qulonglong>(count)) + '\n';
}

} // namespace vibra::service
