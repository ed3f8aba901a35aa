#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

class QTableWidget;

namespace vibra::ui {

/// Numbers of the last complete second of the selected device, per axis: RMS (AC), peak, DC, crest
/// factor, kurtosis, with units.
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
};

} // namespace vibra::ui
