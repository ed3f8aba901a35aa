#include "cli/DevicesCommand.h"

#include "cli/ExitCode.h"
#include "io/SerialPortList.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace vibra::cli {

int runDevices(const CommandContext& ctx) {
    const QString cmd = QStringLiteral("devices");
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "List the serial ports present now with their USB vendor:product ids and the source URI to use.\n"
        "Prefer the stable /dev/serial/by-id/... paths for devices that are unplugged and replugged."));
    p.addHelpOption();
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    if (!p.parse(ctx.arguments))
        return usageError(ctx, cmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << helpText(p, QStringLiteral("devices"));
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, cmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    const auto ports = io::listSerialPorts();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray a;
        for (const auto& e : ports)
            a.append(QJsonObject{{QStringLiteral("path"), e.systemLocation},
                                 {QStringLiteral("uri"), e.uri()},
                                 {QStringLiteral("usb_id"), e.usbId()},
                                 {QStringLiteral("description"), e.description},
                                 {QStringLiteral("manufacturer"), e.manufacturer},
                                 {QStringLiteral("serial_number"), e.serialNumber}});
        *ctx.out << QJsonDocument(a).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (ports.isEmpty()) {
        *ctx.out << "no serial ports found (is the device plugged in, and are you in the 'dialout' group?)\n";
        return kExitOk;
    }
    for (const auto& e : ports)
        *ctx.out << e.uri().leftJustified(32) << " "
                 << (e.usbId().isEmpty() ? QStringLiteral("-") : e.usbId()).leftJustified(10) << " "
                 << e.manufacturer << (e.manufacturer.isEmpty() ? "" : " ") << e.description
                 << (e.serialNumber.isEmpty() ? QString()
                                              : QStringLiteral(" (serial %1)").arg(e.serialNumber))
                 << "\n";
    return kExitOk;
}

} // namespace vibra::cli
