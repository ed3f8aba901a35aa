#include "io/SourceUri.h"

#include <QUrlQuery>

namespace vibra::io {

SourceUri::SourceUri(const QString& text)
    : m_text(text)
    , m_url(text, QUrl::StrictMode) {
    if (text.trimmed().isEmpty()) {
        fail(QStringLiteral("empty source URI"));
        return;
    }
    if (!m_url.isValid() || m_url.scheme().isEmpty()) {
        fail(QStringLiteral("'%1' is not a valid source URI (expected e.g. sim://a or serial:///dev/ttyACM0)")
                 .arg(text));
        return;
    }
    const QUrlQuery q(m_url);
    for (const auto& [k, v] : q.queryItems(QUrl::FullyDecoded)) {
        if (m_params.contains(k)) {
            fail(QStringLiteral("%1: parameter '%2' given twice").arg(text, k));
            return;
        }
        m_params.insert(k, v);
    }
}

void SourceUri::fail(const QString& message) {
    if (m_error.isEmpty())
        m_error = message;
}

QString SourceUri::string(const QString& key, const QString& def) {
    m_used.insert(key);
    return m_params.value(key, def);
}

double SourceUri::number(const QString& key, double def, double min, double max) {
    m_used.insert(key);
    if (!m_params.contains(key))
        return def;
    bool ok = false;
    const QString raw = m_params.value(key);
    const double v = raw.toDouble(&ok);
    if (!ok || !(v >= min && v <= max)) {
        fail(QStringLiteral("%1: parameter '%2' must be a number in [%3, %4], got '%5'")
                 .arg(m_text, key)
                 .arg(min)
                 .arg(max)
                 .arg(raw));
        return def;
    }
    return v;
}

qint64 SourceUri::integer(const QString& key, qint64 def, qint64 min, qint64 max) {
    m_used.insert(key);
    if (!m_params.contains(key))
        return def;
    bool ok = false;
    const QString raw = m_params.value(key);
    const qint64 v = raw.toLongLong(&ok);
    if (!ok || v < min || v > max) {
        fail(QStringLiteral("%1: parameter '%2' must be an integer in [%3, %4], got '%5'")
                 .arg(m_text, key)
                 .arg(min)
                 .arg(max)
                 .arg(raw));
        return def;
    }
    return v;
}

bool SourceUri::boolean(const QString& key, bool def) {
    m_used.insert(key);
    if (!m_params.contains(key))
        return def;
    const QString raw = m_params.value(key).toLower();
    if (raw == QLatin1String("1") || raw == QLatin1String("true") || raw == QLatin1String("yes") ||
        raw == QLatin1String("on"))
        return true;
    if (raw == QLatin1String("0") || raw == QLatin1String("false") || raw == QLatin1String("no") ||
        raw == QLatin1String("off"))
        return false;
    fail(QStringLiteral("%1: parameter '%2' must be 0 or 1, got '%3'").arg(m_text, key, raw));
    return def;
}

QList<double> SourceUri::numberList(const QString& key, const QList<double>& def, int n, double min,
                                    double max) {
    m_used.insert(key);
    QList<double> out;
    if (!m_params.contains(key)) {
        out = def;
    } else {
        const QString raw = m_params.value(key);
        for (const QString& part : raw.split(QLatin1Char(','))) {
            bool ok = false;
            const double v = part.trimmed().toDouble(&ok);
            if (!ok || !(v >= min && v <= max)) {
                fail(
                    QStringLiteral("%1: parameter '%2' must be up to %3 comma-separated numbers in [%4, %5], "
                                   "got '%6'")
                        .arg(m_text, key)
                        .arg(n)
                        .arg(min)
                        .arg(max)
                        .arg(raw));
                return def;
            }
            out.append(v);
        }
        if (out.size() > n) {
            fail(QStringLiteral("%1: parameter '%2' has %3 values but there are only %4 axes")
                     .arg(m_text, key)
                     .arg(out.size())
                     .arg(n));
            return def;
        }
    }
    while (!out.isEmpty() && out.size() < n)
        out.append(out.size() == 1 ? out.front() : out.back());
    return out;
}

QList<qint64> SourceUri::integerList(const QString& key, int maxCount, qint64 min, qint64 max) {
    m_used.insert(key);
    QList<qint64> out;
    if (!m_params.contains(key))
        return out;
    const QString raw = m_params.value(key);
    for (const QString& part : raw.split(QLatin1Char(','))) {
        bool ok = false;
        const qint64 v = part.trimmed().toLongLong(&ok);
        if (!ok || v < min || v > max) {
            fail(QStringLiteral(
                     "%1: parameter '%2' must be 1 to %3 comma-separated integers in [%4, %5], got '%6'")
                     .arg(m_text, key)
                     .arg(maxCount)
                     .arg(min)
                     .arg(max)
                     .arg(raw));
            return {};
        }
        if (out.contains(v)) {
            fail(QStringLiteral("%1: parameter '%2' names column %3 twice").arg(m_text, key).arg(v));
            return {};
        }
        out.append(v);
    }
    if (out.size() > maxCount) {
        fail(QStringLiteral("%1: parameter '%2' has %3 values, at most %4 are allowed")
                 .arg(m_text, key)
                 .arg(out.size())
                 .arg(maxCount));
        return {};
    }
    return out;
}

QString SourceUri::choice(const QString& key, const QString& def, const QStringList& allowed) {
    m_used.insert(key);
    if (!m_params.contains(key))
        return def;
    const QString raw = m_params.value(key);
    if (!allowed.contains(raw)) {
        fail(QStringLiteral("%1: parameter '%2' must be one of %3, got '%4'")
                 .arg(m_text, key, allowed.join(QStringLiteral("|")), raw));
        return def;
    }
    return raw;
}

bool SourceUri::finish() {
    for (auto it = m_params.cbegin(); it != m_params.cend(); ++it) {
        if (!m_used.contains(it.key())) {
            QStringList known(m_used.begin(), m_used.end());
            known.sort();
            fail(QStringLiteral("%1: unknown parameter '%2' (known: %3)")
                     .arg(m_text, it.key(), known.join(QStringLiteral(", "))));
            break;
        }
    }
    return isValid();
}

} // namespace vibra::io
