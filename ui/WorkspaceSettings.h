#pragma once

#include <QStringList>

class QSettings;

namespace vibra::ui {

class MainWindow;

/// Saves and restores the workspace through a QSettings the caller owns (the app uses the user's
/// settings file; tests a temporary one): window geometry and dock layout, theme, current tab, time-view
/// window and layout, spectrum display options, and the list of sources with each one's analysis settings
/// (window, FFT size, overlap, averaging, envelope band).
///
/// Threads: GUI thread only. Free of state: plain functions grouped in a class.
class WorkspaceSettings {
public:
    static void save(MainWindow& window, QSettings& settings);
    /// Source URIs saved last time (empty when none).
    static QStringList savedSources(QSettings& settings);
    /// Restores the layout and view options, and the analysis settings of every current device whose URI
    /// was saved. Call after the saved sources were added.
    static void restore(MainWindow& window, QSettings& settings);
};

} // namespace vibra::ui
