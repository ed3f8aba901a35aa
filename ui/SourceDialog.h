#pragma once

#include <QDialog>

class QTabWidget;
class QLineEdit;
class QComboBox;
class QSpinBox;
class QDoubleSpinBox;
class QCheckBox;
class QFormLayout;

namespace vibra::ui {

/// "Add / edit source" dialog. Each page (simulator, serial port, WebSocket, file replay, Redis watch) turns
/// its fields into a source URI for MainWindow::addSourceUri; the URI line at the bottom shows the result and
/// may be edited by hand. The dialog only builds text: the caller adds the source and reports errors.
///
/// Threads: GUI thread only. Serial ports are listed with QSerialPortInfo when the dialog opens and on
/// "Refresh" (a quick local query, no I/O on the ports themselves).
class SourceDialog : public QDialog {
    Q_OBJECT
public:
    enum Page { Simulator, Serial, WebSocket, File, Redis };

    explicit SourceDialog(QWidget* parent = nullptr);
    /// Pre-fills the dialog from an existing URI (edit): selects the page of its scheme and copies the URI
    /// into the URI line; simulator fields are filled from the query.
    void setUri(const QString& uri);
    /// The URI to add.
    QString uri() const;
    void setPage(Page page);
    /// Builds the URI of the current page from its fields (also called on every field change).
    QString buildUri() const;

private:
    QWidget* makeSimPage();
    QWidget* makeSerialPage();
    QWidget* makeWsPage();
    QWidget* makeFilePage();
    QWidget* makeRedisPage();
    void refreshPorts();
    void rebuild();
    /// Sensor unit and scale of text lines (value = number x scale, in unit).
    void addUnitFields(QFormLayout* form, QComboBox** unit, QDoubleSpinBox** scale);

    QTabWidget* m_tabs;
    QLineEdit* m_uri;
    // simulator
    QLineEdit* m_simName;
    QComboBox* m_simProfile;
    QDoubleSpinBox* m_simRate;
    QSpinBox* m_simAxes;
    QComboBox* m_simUnit;
    // serial
    QComboBox* m_port;
    QComboBox* m_baud;
    QComboBox* m_serialFormat;
    QDoubleSpinBox* m_serialRate;
    QComboBox* m_serialUnit;
    QDoubleSpinBox* m_serialScale;
    QLineEdit* m_serialName;
    // WebSocket
    QLineEdit* m_wsUrl;
    QLineEdit* m_wsToken;
    QComboBox* m_wsFormat;
    QLineEdit* m_wsName;
    // file
    QLineEdit* m_filePath;
    QDoubleSpinBox* m_fileRate;
    QCheckBox* m_fileLoop;
    QCheckBox* m_fileRealtime;
    QComboBox* m_fileUnit;
    QDoubleSpinBox* m_fileScale;
    QLineEdit* m_fileName;
    // Redis watch (every device published under a prefix, read-only)
    QLineEdit* m_redisHost;
    QSpinBox* m_redisPort;
    QLineEdit* m_redisPrefix;
    QLineEdit* m_redisMatch;
    bool m_building = false;
};

} // namespace vibra::ui
