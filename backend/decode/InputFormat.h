#pragma once

#include <string_view>

namespace vibra::decode {

/// What a source's bytes or messages hold (the format= parameter of a source URI).
///  - Auto: byte streams (serial, file): Vibrascope frames or text lines, detected from the first bytes;
///    messages (WebSocket): each message by its kind and shape (binary frame, JSON block, SensorServer
///    event).
///  - Frame: the Vibrascope frame protocol: COBS-framed binary frames on byte streams; binary frames and
///    their JSON form (JSON blocks) as messages.
///  - Csv: text lines (byte streams only).
///  - Json: JSON blocks only (messages only).
///  - SensorServer: Android SensorServer events (messages only).
enum class InputFormat { Auto, Frame, Csv, Json, SensorServer };

constexpr std::string_view inputFormatName(InputFormat f) {
    switch (f) {
    case InputFormat::Auto:
        return "auto";
    case InputFormat::Frame:
        return "frame";
    case InputFormat::Csv:
        return "csv";
    case InputFormat::Json:
        return "json";
    case InputFormat::SensorServer:
        return "sensorserver";
    }
    return "auto";
}

constexpr bool parseInputFormat(std::string_view text, InputFormat& out) {
    for (InputFormat f : {InputFormat::Auto, InputFormat::Frame, InputFormat::Csv, InputFormat::Json,
                          InputFormat::SensorServer})
        if (text == inputFormatName(f)) {
            out = f;
            return true;
        }
    return false;
}

} // namespace vibra::decode
