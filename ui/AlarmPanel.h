#pragma once

#include <QWidget>

class QTableWidget;

namespace vibra::ui {

class AlarmMonitor;

/// The alarm list: time (UTC), device, metric, value and threshold of every alarm, newest first.
///
/// Threads: GUI thread only.
class AlarmPanel : public QWidget {
    Q_OBJECT
public:
    explicit AlarmPanel(const AlarmMonitor& monitor, QWidget* parent = nullptr);
    void refresh();
    int rowCount() const;
    QString cellText(int row, int column) const;

private:
    const AlarmMonitor& m_monitor;
    QTableWidget* m_table;
};

} // namespace vibra::ui
