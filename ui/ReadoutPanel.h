#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

class QTableWidget;
class QLabel;

namespace vibra::ui {

/// Numbers of the last complete second of the selected device, per axis: RMS (AC), peak, DC, crest
/// factor, kurtosis, velocity RMS (mm/s, from the worker), with units; above the table the severity zone
/// of the worst axis, colour-coded.
///
/// Threads: GUI thread only.
class ReadoutPanel : public QWidget {
    Q_OBJECT
public:
    explicit ReadoutPanel(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    QString cellText(int row, int column) const;

private:
    QTableWidget* m_table;
    QLabel* m_zone;
};

} // namespace vibra::ui
