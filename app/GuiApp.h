#pragma once

namespace vibra::app {

/// Opens the dashboard: `vibrascope [--source URI]... [--screenshot PNG [--screenshot-delay MS]]`.
int runGui(int argc, char** argv);

} // namespace vibra::app
