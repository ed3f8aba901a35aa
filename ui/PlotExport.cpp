#include "ui/PlotExport.h"

#include <QFileDialog>
#include <QMessageBox>
#include <qcustomplot.h>

namespace vibra::ui {

bool savePlot(QCustomPlot* plot, const QString& path) {
    if (path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive))
        return plot->savePdf(path);
    return plot->savePng(path, 0, 0, plot->devicePixelRatioF());
}

void exportPlotInteractive(QWidget* parent, QCustomPlot* plot, const QString& suggestedName) {
    const QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export plot"), suggestedName,
                                                      QObject::tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    if (!savePlot(plot, path))
        QMessageBox::warning(parent, QObject::tr("Export plot"), QObject::tr("Cannot write %1").arg(path));
}

} // namespace vibra::ui
