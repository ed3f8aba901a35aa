#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

class QTableWidget;
class QLabel;

namespace vibra::ui {

/// Numbers of the last complete second of the selected device, per axis: RMS (AC), peak, DC, crest
/// factor, kurtosis, velocity RMS (mm/s, from the worker), with units; above the table the device and the
/// severity zone of the worst axis, colour-coded. The table is exactly as tall as its rows (never scrolls)
/// and is rewritten only when a new second completes.
///
/// Threads: GUI thread only.
class ReadoutPanel : public QWidget {
    Q_OBJECT
public:
    explicit ReadoutPanel(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    QString cellText(int row, int column) const;
    /// The severity line above the table ("pump: severity zone B (...)").
    QString zoneText() const;
    QTableWidget* table() const { return m_table; }

private:
    void setRows(int rows);

    QTableWidget* m_table;
    QLabel* m_zone;
    QString m_device;
    QString m_unit;
    std::string m_preset;
    std::int64_t m_secondNs = -1;
};

} // namespace vibra::ui
