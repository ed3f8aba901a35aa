#include "io/SourceFactory.h"

#include "io/FileReplaySource.h"
#include "io/SerialSource.h"
#include "io/SimulatorSource.h"
#include "io/SourceUri.h"
#include "io/WebSocketSource.h"

namespace vibra::io {

namespace {
struct Scheme {
    const char* name;
    std::unique_ptr<Source> (*make)(SourceUri& uri, QString* error);
};

// One row per URI scheme. Inputs register their sources here.
const Scheme kSchemes[] = {
    {"sim", &SimulatorSource::fromUri},   {"serial", &SerialSource::fromUri},
    {"file", &FileReplaySource::fromUri}, {"ws", &WebSocketSource::fromUri},
    {"wss", &WebSocketSource::fromUri},
};
} // namespace

std::unique_ptr<Source> SourceFactory::create(const QString& text, QString* error) const {
    SourceUri uri(text);
    if (!uri.isValid()) {
        *error = uri.error();
        return nullptr;
    }
    for (const auto& s : kSchemes) {
        if (uri.scheme() == QLatin1String(s.name))
            return s.make(uri, error);
    }
    if (uri.scheme() == QLatin1String("redis") || uri.scheme() == QLatin1String("rediss")) {
        // Not one device but every device published under a prefix: the dashboard watches it (RedisWatch).
        *error = QStringLiteral("%1: redis:// is not a single device: the dashboard watches it read-only "
                                "(vibrascope --source %1); record and serve store published devices with "
                                "--consume %1")
                     .arg(text);
        return nullptr;
    }
    *error = QStringLiteral("unknown source scheme '%1' in '%2' (known: %3)")
                 .arg(uri.scheme(), text, schemes().join(QStringLiteral(", ")));
    return nullptr;
}

QStringList SourceFactory::schemes() {
    QStringList out;
    for (const auto& s : kSchemes)
        out << QString::fromLatin1(s.name);
    return out;
}

} // namespace vibra::io
