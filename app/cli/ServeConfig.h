#pragma once

#include "service/AlarmWebhooks.h"
#include "service/ConfigFile.h"

#include <QCommandLineParser>
#include <QStringList>

namespace vibra::cli {

/// `vibrascope serve --config FILE`: the TOML file (service/ConfigFile) becomes command-line options placed
/// before the real ones, for every option the command line does not set itself, so CLI flags override the
/// file and both go through the same checks; errors about an option that came from the file are told with
/// its FILE:LINE and key. Also declares and reads the options this adds to serve: --config,
/// --check-config and the alarm webhooks.
///
/// Threads: a plain value; owner thread.
class ServeConfig {
public:
    static void addOptions(QCommandLineParser& p);
    /// The --config or --check-config file named on the command line, or empty.
    static QString fileOf(const QCommandLineParser& cli);

    /// Loads the file. False with errors() (each "FILE:LINE: key 'K': reason").
    bool load(const QString& path);
    QStringList errors() const;
    /// args (argv[0] first, already parsed into cli) with the file's settings inserted after argv[0].
    QStringList merged(const QStringList& args, const QCommandLineParser& cli) const;
    /// An option parser's error, prefixed by the FILE:LINE and key it came from when it is about a setting
    /// of the file (the command line's own errors stay as they are).
    QString locate(const QString& error, const QCommandLineParser& cli) const;
    bool loaded() const { return !m_file.path().empty(); }

    /// --webhook, --webhook-attempts, --webhook-timeout, --webhook-queue, --webhook-dead-letter.
    static bool parseWebhooks(const QCommandLineParser& p, service::AlarmWebhooks::Options* out,
                              QString* error);

private:
    service::ConfigFile m_file;
};

} // namespace vibra::cli
