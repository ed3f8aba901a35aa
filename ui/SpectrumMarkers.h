#pragma once

#include <QColor>
#include <QList>
#include <QRectF>
#include <QString>

#include <vector>

class QCustomPlot;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemTracer;

namespace vibra::ui {

/// Marker lines (harmonic cursor, bearing frequencies) and peak dots drawn over a spectrum plot, with labels
/// laid out so they never overlap: after every layout of the plot (zoom, pan, resize, new data) each label is
/// placed in pixel space in order of priority - line labels in up to kRows rows along the top of the axis
/// rect, peak labels next to their dot - and a label that finds no free place is hidden (its line or dot
/// stays; the list under the plot names every one). Items are pooled and reused.
///
/// Threads: GUI thread only.
class SpectrumMarkers {
public:
    static constexpr int kRows = 3;

    struct Line {
        double hz = 0;
        QString label;
        QColor color;
        Qt::PenStyle style = Qt::DashLine;
        double width = 1.0;
        int priority = 0; ///< lower is labelled first
    };
    struct Dot {
        double hz = 0;
        double value = 0; ///< in plot coordinates (the displayed quantity)
        QString label;
        QColor color;
        int priority = 0;
    };

    explicit SpectrumMarkers(QCustomPlot* plot);
    /// Replaces every marker (the plot is not replotted here).
    void set(std::vector<Line> lines, std::vector<Dot> dots);
    /// Places the labels for the plot's current geometry and ranges (connected to QCustomPlot::afterLayout).
    void layout();
    /// Pixel rectangles of the labels shown now, and their texts (tests).
    QList<QRectF> visibleLabelRects() const;
    QStringList visibleLabels() const;

private:
    QCPItemText* label(std::size_t i);
    QCPItemStraightLine* line(std::size_t i);
    QCPItemTracer* dot(std::size_t i);

    QCustomPlot* m_plot;
    std::vector<Line> m_lineSpecs;
    std::vector<Dot> m_dotSpecs;
    std::vector<QCPItemStraightLine*> m_lines;
    std::vector<QCPItemTracer*> m_dots;
    std::vector<QCPItemText*> m_labels; ///< one per line, then one per dot
    QList<QRectF> m_placed;
    QStringList m_placedText;
};

} // namespace vibra::ui
