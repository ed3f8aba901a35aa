// Vibrascope entry point: commands (record, export, ...) run headless with QCoreApplication; without a
// command the dashboard opens.
#include "GuiApp.h"
#include "cli/Cli.h"

#include <QCoreApplication>

int main(int argc, char** argv) {
    QCoreApplication::setOrganizationName(QStringLiteral("Vibrascope"));
    QCoreApplication::setApplicationName(QStringLiteral("vibrascope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIBRASCOPE_VERSION));
    if (vibra::cli::isCliInvocation(argc, argv))
        return vibra::cli::runCli(argc, argv);
    return vibra::app::runGui(argc, argv);
}
