#pragma once

#include <QString>

class QCustomPlot;
class QCPLegend;

namespace vibra::ui {

/// A header row above a plot's axis rects: the plot's title (which device, what is shown) at the left and,
/// when given, the legend in one line at the right, so no legend covers the data and every exported plot
/// says what it shows. Free functions, GUI thread only.
///
/// installPlotHeader() inserts the row at the top of plot->plotLayout() and takes the legend out of wherever
/// it was (the axis rect's inset layout by default); call it again after clearing the plot layout.
void installPlotHeader(QCustomPlot* plot, QCPLegend* legend);
/// Sets the title text (no replot; the caller replots). No-op on a plot without a header.
void setPlotTitle(QCustomPlot* plot, const QString& title);
QString plotTitle(const QCustomPlot* plot);
/// Live plots (redrawn at the dashboard rate): one paint buffer instead of two (the "overlay" layer, unused
/// by these plots, would be blended over the whole widget on every paint) and no cached-label churn.
void tuneLivePlot(QCustomPlot* plot);

} // namespace vibra::ui
