#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

class QTableWidget;

namespace vibra::ui {

class Dashboard;

/// Table of every device: state, rate, axes, samples/s, received, dropped, gaps, reconnects, and a
/// severity gauge (velocity RMS of the last second and its zone, colour-coded). Selecting a row selects the
/// device the plots show, and the selected row always follows the dashboard's selection (--select, removal);
/// the context menu (and double-click) adds, edits and removes sources. The state column takes the room
/// left by the numbers and elides long messages (full text in the tooltip).
///
/// Threads: GUI thread only; refreshed from snapshots and channel state on the dashboard tick, at most every
/// kRefreshMs.
class DevicePanel : public QWidget {
    Q_OBJECT
public:
    explicit DevicePanel(Dashboard& dashboard, QWidget* parent = nullptr);
    int rowCount() const;
    QString cellText(int row, int column) const;
    /// Row selected in the table (-1: none); it always shows the dashboard's selected device.
    int selectedRow() const;
    /// The table itself (tests of the column layout).
    QTableWidget* table() const { return m_table; }
    void refresh();
    static constexpr int kRefreshMs = 250; ///< the table is refreshed at most this often

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
    void syncSelection();
    void setCell(int row, int column, const QString& text);

    Dashboard& m_dashboard;
    QTableWidget* m_table;
    QHash<QString, quint64> m_lastReceived;
    QElapsedTimer m_rateClock;
    QElapsedTimer m_refreshClock;
    bool m_syncing = false;
    QHash<QString, double> m_rate;
};

} // namespace vibra::ui
