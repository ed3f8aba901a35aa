#include "ui/Theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>
#include <qcustomplot.h>

namespace vibra::ui {

void applyApplicationTheme(bool dark) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p = QApplication::style()->standardPalette();
    if (dark) {
        const QColor window(0x2B, 0x2B, 0x2B), base(0x1E, 0x1E, 0x1E), text(0xE0, 0xE0, 0xE0);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, window);
        p.setColor(QPalette::ToolTipBase, window);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, window);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::Highlight, QColor(0x2A, 0x82, 0xDA));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    }
    QApplication::setPalette(p);
}

void applyPlotTheme(QCustomPlot* plot, bool dark) {
    plot->setProperty("vibraDarkTheme",
                      dark); // views that rebuild their layout re-apply it (plotThemeIsDark)
    const QColor bg = dark ? QColor(0x1E, 0x1E, 0x1E) : QColor(Qt::white);
    const QColor fg = dark ? QColor(0xD0, 0xD0, 0xD0) : QColor(Qt::black);
    const QColor grid = dark ? QColor(0x44, 0x44, 0x44) : QColor(0xC8, 0xC8, 0xC8);
    plot->setBackground(bg);
    for (auto* rect : plot->axisRects()) {
        rect->setBackground(bg);
        for (auto* axis : rect->axes()) {
            axis->setBasePen(QPen(fg));
            axis->setTickPen(QPen(fg));
            axis->setSubTickPen(QPen(fg));
            axis->setTickLabelColor(fg);
            axis->setLabelColor(fg);
            axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        }
    }
    // Legends sit in the plot header (PlotHeader.h), on the plot's background: no box of their own.
    for (auto* legend : plot->findChildren<QCPLegend*>()) {
        legend->setBrush(Qt::NoBrush);
        legend->setBorderPen(Qt::NoPen);
        legend->setTextColor(fg);
    }
    for (auto* text : plot->findChildren<QCPTextElement*>())
        text->setTextColor(fg);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

bool plotThemeIsDark(const QCustomPlot* plot) {
    return plot->property("vibraDarkTheme").toBool();
}

} // namespace vibra::ui
