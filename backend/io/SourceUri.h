#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QUrl>

#include <optional>

namespace vibra::io {

/// A parsed source URI with typed, validated access to its query parameters.
///
/// Every getter records a clear error ("sim://a: parameter 'rate' must be a number > 0, got 'x'") instead
/// of silently falling back; after reading all parameters a source calls finish() which also rejects
/// unknown parameters, so a typo never goes unnoticed.
class SourceUri {
public:
    /// Parses text; on failure error() is set and isValid() is false.
    explicit SourceUri(const QString& text);

    bool isValid() const { return m_error.isEmpty(); }
    const QString& error() const { return m_error; }
    const QString& text() const { return m_text; }
    QString scheme() const { return m_url.scheme(); }
    QString host() const { return m_url.host(); }
    QString path() const { return m_url.path(); }
    int port(int def = -1) const { return m_url.port(def); }
    const QUrl& url() const { return m_url; }

    bool has(const QString& key) const { return m_params.contains(key); }
    QString string(const QString& key, const QString& def = {});
    /// Number in [min, max]; a missing key gives def.
    double number(const QString& key, double def, double min, double max);
    qint64 integer(const QString& key, qint64 def, qint64 min, qint64 max);
    bool boolean(const QString& key, bool def);
    /// Comma-separated numbers ("100,200,300"); a single value is repeated to n entries; n entries max.
    QList<double> numberList(const QString& key, const QList<double>& def, int n, double min, double max);
    /// Comma-separated integers in [min, max], 1..maxCount of them, used as given (no padding).
    QList<qint64> integerList(const QString& key, int maxCount, qint64 min, qint64 max);
    /// One of the allowed words.
    QString choice(const QString& key, const QString& def, const QStringList& allowed);

    /// Rejects parameters nobody read. Returns isValid().
    bool finish();
    /// Records an error (the first one wins).
    void fail(const QString& message);

private:
    QString m_text;
    QUrl m_url;
    QHash<QString, QString> m_params;
    QSet<QString> m_used;
    QString m_error;
};

} // namespace vibra::io
