#pragma once

class QCustomPlot;

namespace vibra::ui {

/// Light and dark themes: the Fusion style with a light or dark palette for the widgets, and matching
/// background, axis, grid and legend colours for QCustomPlot plots. Free functions, GUI thread only.
void applyApplicationTheme(bool dark);
void applyPlotTheme(QCustomPlot* plot, bool dark);
/// The theme last applied to the plot (for views that rebuild their axis rects).
bool plotThemeIsDark(const QCustomPlot* plot);

} // namespace vibra::ui
