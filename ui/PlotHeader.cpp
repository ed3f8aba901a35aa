#include "ui/PlotHeader.h"

#include <qcustomplot.h>

namespace vibra::ui {

namespace {
const QString kTitleName = QStringLiteral("plotTitle");
}

void installPlotHeader(QCustomPlot* plot, QCPLegend* legend) {
    auto* layout = plot->plotLayout();
    layout->insertRow(0);
    auto* row = new QCPLayoutGrid;
    layout->addElement(0, 0, row);
    layout->setRowStretchFactor(0, 0.001); // as high as its content, never more
    row->setColumnSpacing(8);
    auto* title = new QCPTextElement(plot);
    title->setObjectName(kTitleName);
    QFont f = title->font();
    f.setBold(true);
    title->setFont(f);
    title->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
    title->setMargins(QMargins(8, 3, 4, 0));
    row->addElement(0, 0, title);
    row->setColumnStretchFactor(0, 1);
    if (!legend)
        return;
    if (legend->layout())
        legend->layout()->take(legend);
    legend->setVisible(true);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    legend->setWrap(8);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setMargins(QMargins(4, 2, 8, 0));
    legend->setIconSize(18, 8);
    legend->setColumnSpacing(10);
    row->addElement(0, 1, legend);
    row->setColumnStretchFactor(1, 0.001);
    row->setMinimumMargins(QMargins(0, 0, 0, 0));
}

void setPlotTitle(QCustomPlot* plot, const QString& title) {
    if (auto* t = plot->findChild<QCPTextElement*>(kTitleName))
        if (t->text() != title)
            t->setText(title);
}

QString plotTitle(const QCustomPlot* plot) {
    const auto* t = plot->findChild<QCPTextElement*>(kTitleName);
    return t ? t->text() : QString();
}

void tuneLivePlot(QCustomPlot* plot) {
    if (auto* overlay = plot->layer(QStringLiteral("overlay")))
        overlay->setMode(QCPLayer::lmLogical);
}

} // namespace vibra::ui
