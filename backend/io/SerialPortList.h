#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace vibra::io {

/// One serial port as seen by the OS (for `vibrascope devices`).
struct SerialPortEntry {
    QString name;           ///< e.g. "ttyACM0"
    QString systemLocation; ///< e.g. "/dev/ttyACM0" (use in serial:// URIs)
    QString description;
    QString manufacturer;
    QString serialNumber;
    std::optional<quint16> vendorId;
    std::optional<quint16> productId;

    /// "serial:///dev/ttyACM0"
    QString uri() const { return QStringLiteral("serial://") + systemLocation; }
    /// "1a86:7523" or empty.
    QString usbId() const;
};

/// Lists the serial ports present now, sorted by system location. Any thread.
QList<SerialPortEntry> listSerialPorts();

} // namespace vibra::io
