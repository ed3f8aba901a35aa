#include "cli/CommandContext.h"

#include "cli/ExitCode.h"

namespace vibra::cli {

int usageError(const CommandContext& ctx, const QString& command, const QString& message) {
    *ctx.err << "vibrascope " << command << ": " << message << "\n"
             << "Try 'vibrascope " << command << " --help'.\n";
    ctx.err->flush();
    return kExitUsage;
}

} // namespace vibra::cli

namespace vibra::cli {

QString helpText(const QCommandLineParser& parser, const QString& command) {
    // QCommandLineParser names the program from argv[0] ("vibrascope"); the command belongs in the usage
    // line.
    QString text = parser.helpText();
    const qsizetype eol = text.indexOf(QLatin1Char('\n'));
    const QString first = text.left(eol);
    const qsizetype options = first.indexOf(QStringLiteral(" [options]"));
    if (first.startsWith(QStringLiteral("Usage: ")) && options > 0)
        text.replace(0, options, QStringLiteral("Usage: vibrascope ") + command);
    return text;
}

} // namespace vibra::cli
