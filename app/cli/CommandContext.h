#pragma once

#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>

namespace vibra::cli {

/// What every command gets: its arguments (argv[0] = "vibrascope <command>") and the streams to talk on.
struct CommandContext {
    QStringList arguments;
    QTextStream* out = nullptr; ///< results (stdout)
    QTextStream* err = nullptr; ///< messages, progress, status (stderr)
};

/// Prints "vibrascope <command>: message" and a pointer to --help on err; returns kExitUsage.
int usageError(const CommandContext& ctx, const QString& command, const QString& message);
/// The parser's help text with a usage line that names the command ("Usage: vibrascope record [options]").
QString helpText(const QCommandLineParser& parser, const QString& command);

} // namespace vibra::cli
