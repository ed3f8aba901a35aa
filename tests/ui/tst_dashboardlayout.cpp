// Dashboard layout (issue 10): the device table shows the dashboard's selection whoever changes it (--select,
// a click, a removal) and every plot says which device it shows; a long state message is elided instead of
// pushing Dropped/mm/s/Zone out of view; the Last-second table shows every axis without scrolling; legends
// sit in the plot header, outside the data.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/BandView.h"
#include "ui/Dashboard.h"
#include "ui/DevicePanel.h"
#include "ui/MainWindow.h"
#include "ui/ReadoutPanel.h"
#include "ui/SpectrogramView.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"
#include "ui/TrendView.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTableWidget>
#include <QtTest>
#include <qcustomplot.h>

class TstDashboardLayout : public QObject {
    Q_OBJECT
private:
    static bool titled(const QString& title, const QString& device) {
        return title.startsWith(device + QStringLiteral(" — "));
    }

private slots:
    void selectionFollowsAndPlotsSayWhichDevice() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        for (const char* uri : {"sim://a?rate=4000", "sim://b?rate=4000", "sim://c?rate=4000"})
            QVERIFY2(pipeline.add(QString::fromLatin1(uri), &error), qPrintable(error));
        vibra::ui::MainWindow w(pipeline);
        w.resize(1280, 820);
        w.show();
        // What `vibrascope --select b` does once the window exists.
        w.dashboard().setSelectedDevice(QStringLiteral("b"));
        pipeline.startAll();
        auto& table = w.devicePanel();
        QCOMPARE(table.selectedRow(), 1);
        QCOMPARE(table.cellText(1, vibra::ui::DevicePanel::Name), QStringLiteral("b"));
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.timeView().title(), QStringLiteral("b")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.spectrumView().title(), QStringLiteral("b")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(w.readouts().zoneText().startsWith(QStringLiteral("b: ")), 5000);
        w.setCurrentTab(vibra::ui::MainWindow::SpectrogramTab);
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.spectrogramView().title(), QStringLiteral("b")), 5000);
        w.setCurrentTab(vibra::ui::MainWindow::BandsTab);
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.bands().title(), QStringLiteral("b")), 5000);
        w.setCurrentTab(vibra::ui::MainWindow::TrendsTab);
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.trends().title(), QStringLiteral("b")), 5000);

        // A click on row c selects c everywhere.
        w.setCurrentTab(vibra::ui::MainWindow::LiveTab);
        table.table()->selectRow(2);
        QCOMPARE(w.dashboard().selectedDevice(), QStringLiteral("c"));
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.timeView().title(), QStringLiteral("c")) &&
                                     titled(w.spectrumView().title(), QStringLiteral("c")) &&
                                     w.readouts().zoneText().startsWith(QStringLiteral("c: ")),
                                 5000);
        // Removing the selected device selects the first one, and the table shows it.
        w.removeSource(QStringLiteral("c"));
        QCOMPARE(w.dashboard().selectedDevice(), QStringLiteral("a"));
        QCOMPARE(table.selectedRow(), 0);
        QCOMPARE(table.cellText(0, vibra::ui::DevicePanel::Name), QStringLiteral("a"));
        // Removing a row above the selected one moves the selection with its device.
        w.dashboard().setSelectedDevice(QStringLiteral("b"));
        QCOMPARE(table.selectedRow(), 1);
        w.removeSource(QStringLiteral("a"));
        QCOMPARE(w.dashboard().selectedDevice(), QStringLiteral("b"));
        QCOMPARE(table.rowCount(), 1);
        QCOMPARE(table.selectedRow(), 0);
        QCOMPARE(table.cellText(0, vibra::ui::DevicePanel::Name), QStringLiteral("b"));
        QTRY_VERIFY_WITH_TIMEOUT(titled(w.timeView().title(), QStringLiteral("b")), 5000);
        pipeline.stopAll();
    }

    void longStateMessageIsElided() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // A file that does not exist: the source fails with "cannot open <long path>: ...".
        const QString path = QStringLiteral("/nonexistent/") +
                             QString(QStringLiteral("very_long_folder_name/")).repeated(8) +
                             QStringLiteral("run.csv");
        QVERIFY2(pipeline.add(QStringLiteral("file://%1?rate=1000&id=f").arg(path), &error),
                 qPrintable(error));
        QVERIFY(pipeline.add(QStringLiteral("sim://s?rate=2000"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.resize(1280, 820);
        w.show();
        pipeline.startAll();
        auto& panel = w.devicePanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel.cellText(0, vibra::ui::DevicePanel::State).contains(path), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.cellText(1, vibra::ui::DevicePanel::Velocity).isEmpty(), 5000);
        auto* t = panel.table();
        auto* header = t->horizontalHeader();
        // Apply the resize modes to the current contents now (the header's own delayed slot).
        QVERIFY(QMetaObject::invokeMethod(header, "resizeSections", Qt::DirectConnection));
        const QString state = panel.cellText(0, vibra::ui::DevicePanel::State);
        // The numbers and the zone stay in view; the state column is narrower than its text (elided)...
        for (int c : {vibra::ui::DevicePanel::Dropped, vibra::ui::DevicePanel::Velocity,
                      vibra::ui::DevicePanel::Zone})
            QVERIFY2(header->sectionViewportPosition(c) + header->sectionSize(c) <= t->viewport()->width(),
                     qPrintable(QStringLiteral("column %1 ends at %2, viewport %3")
                                    .arg(c)
                                    .arg(header->sectionViewportPosition(c) + header->sectionSize(c))
                                    .arg(t->viewport()->width())));
        QVERIFY(!t->horizontalScrollBar()->isVisible());
        QVERIFY(header->sectionSize(vibra::ui::DevicePanel::State) <
                t->fontMetrics().horizontalAdvance(state));
        // ... and its tooltip carries the whole message.
        QCOMPARE(t->item(0, vibra::ui::DevicePanel::State)->toolTip(), state);
        pipeline.stopAll();
    }

    void lastSecondFitsAndLegendsOutsideData() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://m"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.resize(1280, 820);
        w.show();
        pipeline.startAll();
        QTRY_VERIFY_WITH_TIMEOUT(!w.readouts().cellText(2, 1).isEmpty(), 5000);
        // Every axis of the last second is visible, nothing scrolls.
        auto* t = w.readouts().table();
        QCOMPARE(t->rowCount(), 3);
        QVERIFY(!t->verticalScrollBar()->isVisible());
        QVERIFY(!t->horizontalScrollBar()->isVisible());
        for (int r = 0; r < 3; ++r)
            QVERIFY2(t->visualRect(t->model()->index(r, 0)).bottom() < t->viewport()->height(),
                     qPrintable(QString::number(r)));
        QVERIFY(w.readouts().visibleRegion().boundingRect().height() >=
                w.readouts().minimumSizeHint().height());
        // Legends: in the header row, never over the axis rect where the traces are.
        QTRY_VERIFY_WITH_TIMEOUT(w.timeView().pointCount(0) > 0 && w.spectrumView().pointCount(0) > 0, 5000);
        w.timeView().plot()->replot();
        w.spectrumView().plot()->replot();
        for (QCustomPlot* p : {w.timeView().plot(), w.spectrumView().plot()}) {
            QVERIFY(p->legend && p->legend->visible() && p->legend->itemCount() == 3);
            for (auto* rect : p->axisRects())
                QVERIFY2(!p->legend->outerRect().intersects(rect->rect()),
                         qPrintable(QStringLiteral("legend %1,%2 %3x%4")
                                        .arg(p->legend->outerRect().x())
                                        .arg(p->legend->outerRect().y())
                                        .arg(p->legend->outerRect().width())
                                        .arg(p->legend->outerRect().height())));
        }
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstDashboardLayout)
#include "tst_dashboardlayout.moc"
