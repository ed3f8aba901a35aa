#include "io/SerialPortList.h"

#include <QSerialPortInfo>

#include <algorithm>

namespace vibra::io {

QString SerialPortEntry::usbId() const {
    if (!vendorId || !productId)
        return {};
    return QStringLiteral("%1:%2")
        .arg(*vendorId, 4, 16, QLatin1Char('0'))
        .arg(*productId, 4, 16, QLatin1Char('0'));
}

QList<SerialPortEntry> listSerialPorts() {
    QList<SerialPortEntry> out;
    for (const QSerialPortInfo& p : QSerialPortInfo::availablePorts()) {
        SerialPortEntry e;
        e.name = p.portName();
        e.systemLocation = p.systemLocation();
        e.description = p.description();
        e.manufacturer = p.manufacturer();
        e.serialNumber = p.serialNumber();
        if (p.hasVendorIdentifier())
            e.vendorId = p.vendorIdentifier();
        if (p.hasProductIdentifier())
            e.productId = p.productIdentifier();
        out.append(e);
    }
    std::sort(out.begin(), out.end(), [](const SerialPortEntry& a, const SerialPortEntry& b) {
        return a.systemLocation < b.systemLocation;
    });
    return out;
}

} // namespace vibra::io
