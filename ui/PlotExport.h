#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace vibra::ui {

/// Saves a plot as PNG (at the screen's device pixel ratio) or PDF (vector), chosen by the file suffix
/// (anything but ".pdf" is written as PNG). Returns false when the file cannot be written.
bool savePlot(QCustomPlot* plot, const QString& path);
/// Asks for a file name and saves; shows a message on failure. GUI thread only.
void exportPlotInteractive(QWidget* parent, QCustomPlot* plot, const QString& suggestedName);

} // namespace vibra::ui
