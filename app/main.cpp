// Vibrascope entry point: commands (record, export, ...) run headless with QCoreApplication; without a
// command the dashboard opens.
#include "GuiApp.h"
#include "cli/Cli.h"
#include "dsp/FftPlan.h"

#include <QCoreApplication>

int main(int argc, char** argv) {
    QCoreApplication::setOrganizationName(QStringLiteral("Vibrascope"));
    QCoreApplication::setApplicationName(QStringLiteral("vibrascope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIBRASCOPE_VERSION));
    // FFTW_ESTIMATE plans take milliseconds; FFTW_MEASURE takes ~2.5 s for our sizes on a DSP worker before
    // its first block, which delays the first commit of a recording (and widens what a crash at start-up
    // loses). ESTIMATE costs ~10 % per FFT; the DSP is far from being the bottleneck (docs/performance.md).
    vibra::dsp::FftPlan::setFftwPlanning(vibra::dsp::FftwPlanning::Estimate);
    if (vibra::cli::isCliInvocation(argc, argv))
        return vibra::cli::runCli(argc, argv);
    return vibra::app::runGui(argc, argv);
}
