#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

class QCustomPlot;

namespace vibra::ui {

/// Live time plot of one device, all axes overlaid, drawn from the worker's min/max envelope (two points
/// per envelope bucket), never per sample. x = seconds before the newest sample.
///
/// Threads: GUI thread only.
class TimePlotView : public QWidget {
    Q_OBJECT
public:
    explicit TimePlotView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    /// Points currently plotted for an axis (tests).
    int pointCount(int axis) const;
    QCustomPlot* plot() const { return m_plot; }

private:
    QCustomPlot* m_plot;
    QString m_unit;
};

} // namespace vibra::ui
