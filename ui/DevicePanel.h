#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

class QTableWidget;

namespace vibra::ui {

class Dashboard;

/// Table of every device: state, rate, axes, samples/s, received, dropped, gaps, reconnects, and a
/// severity gauge (velocity RMS of the last second and its zone, colour-coded). Selecting a
/// row selects the device the plots show; the context menu (and double-click) adds, edits and removes
/// sources.
///
/// Threads: GUI thread only; refreshed on the dashboard tick from snapshots and channel state.
class DevicePanel : public QWidget {
    Q_OBJECT
public:
    explicit DevicePanel(Dashboard& dashboard, QWidget* parent = nullptr);
    int rowCount() const;
    QString cellText(int row, int column) const;
    void refresh();

    enum Column {
        Name,
        State,
        Rate,
        Axes,
        SamplesPerSecond,
        Received,
        Dropped,
        Gaps,
        Reconnects,
        Velocity, ///< worst axis of the last second, mm/s RMS
        Zone,     ///< severity zone of that velocity (colour-coded)
        ColumnCount
    };

signals:
    void addRequested();
    void editRequested(const QString& deviceId);
    void removeRequested(const QString& deviceId);

private:
    void rebuild();

    Dashboard& m_dashboard;
    QTableWidget* m_table;
    QHash<QString, quint64> m_lastReceived;
    QElapsedTimer m_rateClock;
    QHash<QString, double> m_rate;
};

} // namespace vibra::ui
