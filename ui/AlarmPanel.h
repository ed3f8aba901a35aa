#pragma once

#include "core/Event.h"

#include <QWidget>

#include <cstdint>
#include <deque>

class QTableWidget;

namespace vibra::pipeline {
class EventLog;
}

namespace vibra::ui {

/// The alarm list: time (UTC), device, metric and text of every alarm event the engine raised or cleared,
/// newest first. The events come from the pipeline's EventLog (the same events `record` prints and stores),
/// so the dashboard and the headless recorder agree.
///
/// Threads: GUI thread only; refresh() polls the log (call it on the dashboard tick). Bounded: the newest
/// kMaxRows events are listed.
class AlarmPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxRows = 1000;
    explicit AlarmPanel(const pipeline::EventLog& log, QWidget* parent = nullptr);
    /// Takes new events from the log; returns true when the list changed.
    bool refresh();
    int rowCount() const;
    /// Alarms raised so far (cleared ones not counted), for the dock title.
    std::uint64_t raisedCount() const { return m_raised; }
    QString cellText(int row, int column) const;

signals:
    void alarmsChanged(int raisedTotal);

private:
    void rebuild();

    const pipeline::EventLog& m_log;
    QTableWidget* m_table;
    std::deque<core::EventPtr> m_events; ///< newest last
    std::uint64_t m_lastSeq = 0;
    std::uint64_t m_raised = 0;
};

} // namespace vibra::ui
