#pragma once

#include <string>

namespace vibra::cli {

/// True when argv[1] names a command (record, export, ...) or a global option handled without a GUI
/// (--help, --version).
bool isCliInvocation(int argc, char** argv);
/// Runs the command in argv[1] with a QCoreApplication (never a QApplication: no display needed).
int runCli(int argc, char** argv);
/// Text of `vibrascope --help`.
std::string globalHelp();

} // namespace vibra::cli
