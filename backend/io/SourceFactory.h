#pragma once

#include "io/Source.h"

#include <QStringList>

#include <memory>

namespace vibra::io {

/// Creates a Source from a URI (sim://, and the schemes the inputs add: serial://, ws://, wss://,
/// file://). No singleton: app/ owns one factory and passes it where sources are made.
class SourceFactory {
public:
    /// Returns nullptr and sets *error to a message naming the problem for an unknown scheme or bad
    /// parameters. The source is not started.
    std::unique_ptr<Source> create(const QString& uri, QString* error) const;
    /// Schemes this build understands, for help texts.
    static QStringList schemes();
};

} // namespace vibra::io
