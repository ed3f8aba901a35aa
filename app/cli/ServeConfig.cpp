#include "cli/ServeConfig.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace vibra::cli {

void ServeConfig::addOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("config"),
                 QStringLiteral("Read options from this TOML file (docs/service.md, \"Configuration file\"); "
                                "options on the command line override it. SIGHUP reloads it."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("check-config"),
                 QStringLiteral("Check this TOML file (with the other options given) and exit: 0 when it is "
                                "valid, 2 with every problem as FILE:LINE otherwise."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("webhook"),
                 QStringLiteral("POST every alarm event (raised, cleared) as JSON to this http(s) URL "
                                "(repeatable); retried with back-off, then written to the dead-letter file."),
                 QStringLiteral("URL")});
    p.addOption({QStringLiteral("webhook-attempts"),
                 QStringLiteral("Tries per alarm notification before it is dead-lettered (default 5)."),
                 QStringLiteral("N"), QStringLiteral("5")});
    p.addOption({QStringLiteral("webhook-timeout"),
                 QStringLiteral("Seconds one webhook POST may take (default 5)."), QStringLiteral("SECONDS"),
                 QStringLiteral("5")});
    p.addOption({QStringLiteral("webhook-queue"),
                 QStringLiteral("Alarm notifications waiting per webhook (default 1000); beyond: dropped "
                                "and counted."),
                 QStringLiteral("N"), QStringLiteral("1000")});
    p.addOption({QStringLiteral("webhook-dead-letter"),
                 QStringLiteral("JSON-lines file for notifications that could not be delivered (default: "
                                "webhook-dead-letter.jsonl beside --db)."),
                 QStringLiteral("FILE")});
}

QString ServeConfig::fileOf(const QCommandLineParser& cli) {
    return cli.isSet(QStringLiteral("check-config")) ? cli.value(QStringLiteral("check-config"))
                                                     : cli.value(QStringLiteral("config"));
}

bool ServeConfig::load(const QString& path) {
    return m_file.load(QFile::encodeName(path).toStdString());
}

QStringList ServeConfig::errors() const {
    QStringList out;
    for (const auto& e : m_file.errors())
        out << QString::fromStdString(e);
    return out;
}

QStringList ServeConfig::merged(const QStringList& args, const QCommandLineParser& cli) const {
    QStringList out;
    out << (args.isEmpty() ? QStringLiteral("vibrascope serve") : args.first());
    for (const auto& s : m_file.settings()) {
        const QString option = QString::fromStdString(s.option);
        if (cli.isSet(option))
            continue; // the command line wins
        if (s.flag)
            out << QStringLiteral("--") + option;
        else
            out << QStringLiteral("--%1=%2").arg(option, QString::fromStdString(s.value));
    }
    out << args.mid(1);
    return out;
}

QString ServeConfig::locate(const QString& error, const QCommandLineParser& cli) const {
    const service::ConfigFile::Setting* found = nullptr;
    for (const auto& s : m_file.settings()) // a value the message quotes (an alarm rule, a trigger, a URI)
        if (!cli.isSet(QString::fromStdString(s.option)) && s.value.size() >= 2 &&
            error.contains(QString::fromStdString(s.value))) {
            found = &s;
            break;
        }
    if (!found) { // else the first option it names
        static const QRegularExpression optionRe(QStringLiteral("--([a-z][a-z-]*)"));
        for (auto it = optionRe.globalMatch(error); it.hasNext() && !found;) {
            const std::string name = it.next().captured(1).toStdString();
            if (cli.isSet(QString::fromStdString(name)))
                continue;
            for (const auto& s : m_file.settings())
                if (s.option == name) {
                    found = &s;
                    break;
                }
        }
    }
    return found ? QString::fromStdString(m_file.origin(*found)) + QStringLiteral(": ") + error : error;
}

bool ServeConfig::parseWebhooks(const QCommandLineParser& p, service::AlarmWebhooks::Options* out,
                                QString* error) {
    const auto fail = [error](const QString& m) {
        *error = m;
        return false;
    };
    for (const QString& text : p.values(QStringLiteral("webhook"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() ||
            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
            url.host().isEmpty())
            return fail(QStringLiteral("--webhook must be an http:// or https:// URL, got '%1'").arg(text));
        if (std::find(out->urls.begin(), out->urls.end(), url) == out->urls.end())
            out->urls.push_back(url);
    }
    bool ok = false;
    out->attempts = p.value(QStringLiteral("webhook-attempts")).toInt(&ok);
    if (!ok || out->attempts < 1 || out->attempts > 100)
        return fail(QStringLiteral("--webhook-attempts must be a whole number in 1..100, got '%1'")
                        .arg(p.value(QStringLiteral("webhook-attempts"))));
    const double timeout = p.value(QStringLiteral("webhook-timeout")).toDouble(&ok);
    if (!ok || !(timeout >= 0.1) || timeout > 600)
        return fail(QStringLiteral("--webhook-timeout must be seconds in 0.1..600, got '%1'")
                        .arg(p.value(QStringLiteral("webhook-timeout"))));
    out->timeoutMs = static_cast<int>(timeout * 1000);
    const int queue = p.value(QStringLiteral("webhook-queue")).toInt(&ok);
    if (!ok || queue < 1 || queue > 100000)
        return fail(QStringLiteral("--webhook-queue must be a whole number in 1..100000, got '%1'")
                        .arg(p.value(QStringLiteral("webhook-queue"))));
    out->queueCapacity = static_cast<std::size_t>(queue);
    out->deadLetterFile = p.value(QStringLiteral("webhook-dead-letter"));
    if (out->deadLetterFile.isEmpty() && !out->urls.empty()) {
        const QString db = p.value(QStringLiteral("db"));
        const QString dir = db.isEmpty() ? p.value(QStringLiteral("parquet")) : QFileInfo(db).absolutePath();
        out->deadLetterFile = QDir(dir).filePath(QStringLiteral("webhook-dead-letter.jsonl"));
    }
    return true;
}

} // namespace vibra::cli
