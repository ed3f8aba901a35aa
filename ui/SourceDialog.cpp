#include "ui/SourceDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSerialPortInfo>
#include <QSpinBox>
#include <QTabWidget>
#include <QUrl>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace vibra::ui {

namespace {
QString encode(const QString& v) {
    return QString::fromUtf8(QUrl::toPercentEncoding(v, "/:"));
}
// Appends "key=value" to a query list, percent-encoded.
void param(QStringList& q, const char* key, const QString& value) {
    q << QString::fromLatin1(key) + QLatin1Char('=') + encode(value);
}
QString withQuery(const QString& base, const QStringList& q) {
    return q.isEmpty() ? base : base + QLatin1Char('?') + q.join(QLatin1Char('&'));
}
QString number(double v) {
    return QString::number(v, 'g', 10);
}
} // namespace

SourceDialog::SourceDialog(QWidget* parent)
    : QDialog(parent)
    , m_tabs(new QTabWidget)
    , m_uri(new QLineEdit) {
    setWindowTitle(tr("Add source"));
    m_tabs->addTab(makeSimPage(), tr("Simulator"));
    m_tabs->addTab(makeSerialPage(), tr("Serial port"));
    m_tabs->addTab(makeWsPage(), tr("WebSocket"));
    m_tabs->addTab(makeFilePage(), tr("File replay"));
    m_tabs->addTab(makeRedisPage(), tr("Redis (watch)"));
    m_uri->setObjectName(QStringLiteral("uri"));
    m_uri->setToolTip(tr("The source URI that will be added; you may edit it by hand."));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_tabs);
    auto* uriRow = new QFormLayout;
    uriRow->addRow(tr("URI:"), m_uri);
    layout->addLayout(uriRow);
    layout->addWidget(buttons);
    connect(m_tabs, &QTabWidget::currentChanged, this, &SourceDialog::rebuild);
    rebuild();
    resize(560, 360);
}

QWidget* SourceDialog::makeSimPage() {
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_simName = new QLineEdit(QStringLiteral("sim1"));
    m_simName->setObjectName(QStringLiteral("simName"));
    m_simProfile = new QComboBox;
    m_simProfile->setObjectName(QStringLiteral("simProfile"));
    m_simProfile->addItem(tr("Machine (shaft + harmonics + noise)"), QStringLiteral("machine"));
    m_simProfile->addItem(tr("Bearing (outer-race defect impacts)"), QStringLiteral("bearing"));
    m_simProfile->addItem(tr("Sine (100/200/300 Hz)"), QStringLiteral("sine"));
    m_simRate = new QDoubleSpinBox;
    m_simRate->setObjectName(QStringLiteral("simRate"));
    m_simRate->setRange(1, 1'000'000);
    m_simRate->setDecimals(1);
    m_simRate->setValue(16000);
    m_simRate->setSuffix(QStringLiteral(" Hz"));
    m_simAxes = new QSpinBox;
    m_simAxes->setObjectName(QStringLiteral("simAxes"));
    m_simAxes->setRange(1, 3);
    m_simAxes->setValue(3);
    m_simUnit = new QComboBox;
    m_simUnit->setObjectName(QStringLiteral("simUnit"));
    m_simUnit->addItem(QStringLiteral("g"), QStringLiteral("g"));
    m_simUnit->addItem(QStringLiteral("m/s²"), QStringLiteral("m/s2"));
    f->addRow(tr("Device name:"), m_simName);
    f->addRow(tr("Profile:"), m_simProfile);
    f->addRow(tr("Sample rate:"), m_simRate);
    f->addRow(tr("Axes:"), m_simAxes);
    f->addRow(tr("Unit:"), m_simUnit);
    connect(m_simName, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    connect(m_simProfile, &QComboBox::currentIndexChanged, this, &SourceDialog::rebuild);
    connect(m_simRate, &QDoubleSpinBox::valueChanged, this, &SourceDialog::rebuild);
    connect(m_simAxes, &QSpinBox::valueChanged, this, &SourceDialog::rebuild);
    connect(m_simUnit, &QComboBox::currentIndexChanged, this, &SourceDialog::rebuild);
    return w;
}

QWidget* SourceDialog::makeSerialPage() {
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_port = new QComboBox;
    m_port->setObjectName(QStringLiteral("serialPort"));
    m_port->setEditable(true);
    auto* refresh = new QPushButton(tr("Refresh"));
    auto* portRow = new QHBoxLayout;
    portRow->addWidget(m_port, 1);
    portRow->addWidget(refresh);
    m_baud = new QComboBox;
    m_baud->setObjectName(QStringLiteral("serialBaud"));
    m_baud->setEditable(true);
    for (int b : {9600, 57600, 115200, 230400, 460800, 921600, 1000000, 2000000})
        m_baud->addItem(QString::number(b));
    m_baud->setCurrentText(QStringLiteral("921600"));
    m_serialFormat = new QComboBox;
    m_serialFormat->setObjectName(QStringLiteral("serialFormat"));
    m_serialFormat->addItem(tr("Binary frames (COBS, protocol v1)"), QStringLiteral("frame"));
    m_serialFormat->addItem(tr("Text lines (CSV)"), QStringLiteral("csv"));
    m_serialFormat->addItem(tr("Auto-detect"), QStringLiteral("auto"));
    m_serialRate = new QDoubleSpinBox;
    m_serialRate->setObjectName(QStringLiteral("serialRate"));
    m_serialRate->setRange(0, 10'000'000);
    m_serialRate->setSpecialValueText(tr("from data"));
    m_serialRate->setSuffix(QStringLiteral(" Hz"));
    m_serialRate->setToolTip(tr("Sample rate of text lines without a time column (frames carry their rate)"));
    m_serialName = new QLineEdit;
    m_serialName->setPlaceholderText(tr("default: port name"));
    f->addRow(tr("Port:"), portRow);
    f->addRow(tr("Baud rate:"), m_baud);
    f->addRow(tr("Format:"), m_serialFormat);
    f->addRow(tr("Rate (CSV):"), m_serialRate);
    addUnitFields(f, &m_serialUnit, &m_serialScale);
    m_serialUnit->setObjectName(QStringLiteral("serialUnit"));
    m_serialScale->setObjectName(QStringLiteral("serialScale"));
    f->addRow(tr("Device name:"), m_serialName);
    connect(refresh, &QPushButton::clicked, this, &SourceDialog::refreshPorts);
    connect(m_port, &QComboBox::currentTextChanged, this, &SourceDialog::rebuild);
    connect(m_baud, &QComboBox::currentTextChanged, this, &SourceDialog::rebuild);
    connect(m_serialFormat, &QComboBox::currentIndexChanged, this, &SourceDialog::rebuild);
    connect(m_serialRate, &QDoubleSpinBox::valueChanged, this, &SourceDialog::rebuild);
    connect(m_serialName, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    refreshPorts();
    return w;
}

void SourceDialog::addUnitFields(QFormLayout* f, QComboBox** unit, QDoubleSpinBox** scale) {
    *unit = new QComboBox;
    (*unit)->addItem(QStringLiteral("g"), QStringLiteral("g"));
    (*unit)->addItem(QStringLiteral("m/s²"), QStringLiteral("m/s2"));
    *scale = new QDoubleSpinBox;
    (*scale)->setDecimals(9);
    (*scale)->setRange(-1e9, 1e9);
    (*scale)->setValue(1.0);
    (*scale)->setToolTip(
        tr("Sensor sensitivity: value = number in the line x scale (e.g. 0.000061 for 16384 LSB/g)"));
    f->addRow(tr("Unit (CSV):"), *unit);
    f->addRow(tr("Scale (CSV):"), *scale);
    connect(*unit, &QComboBox::currentIndexChanged, this, &SourceDialog::rebuild);
    connect(*scale, &QDoubleSpinBox::valueChanged, this, &SourceDialog::rebuild);
}

QWidget* SourceDialog::makeWsPage() {
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_wsUrl = new QLineEdit(QStringLiteral("ws://127.0.0.1:8765/"));
    m_wsUrl->setObjectName(QStringLiteral("wsUrl"));
    m_wsToken = new QLineEdit;
    m_wsToken->setObjectName(QStringLiteral("wsToken"));
    m_wsToken->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_wsToken->setPlaceholderText(tr("optional access token"));
    m_wsFormat = new QComboBox;
    m_wsFormat->addItem(tr("Auto (frames, JSON, SensorServer)"), QStringLiteral("auto"));
    m_wsFormat->addItem(tr("Binary frames"), QStringLiteral("frame"));
    m_wsFormat->addItem(tr("JSON blocks"), QStringLiteral("json"));
    m_wsFormat->addItem(tr("Android SensorServer"), QStringLiteral("sensorserver"));
    m_wsName = new QLineEdit;
    m_wsName->setPlaceholderText(tr("default: host name"));
    f->addRow(tr("URL:"), m_wsUrl);
    f->addRow(tr("Token:"), m_wsToken);
    f->addRow(tr("Format:"), m_wsFormat);
    f->addRow(tr("Device name:"), m_wsName);
    connect(m_wsUrl, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    connect(m_wsToken, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    connect(m_wsFormat, &QComboBox::currentIndexChanged, this, &SourceDialog::rebuild);
    connect(m_wsName, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    return w;
}

QWidget* SourceDialog::makeFilePage() {
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_filePath = new QLineEdit;
    m_filePath->setObjectName(QStringLiteral("filePath"));
    auto* browse = new QPushButton(tr("Browse…"));
    auto* row = new QHBoxLayout;
    row->addWidget(m_filePath, 1);
    row->addWidget(browse);
    m_fileRate = new QDoubleSpinBox;
    m_fileRate->setObjectName(QStringLiteral("fileRate"));
    m_fileRate->setRange(0, 10'000'000);
    m_fileRate->setSpecialValueText(tr("from time column"));
    m_fileRate->setSuffix(QStringLiteral(" Hz"));
    m_fileLoop = new QCheckBox(tr("Loop at end of file"));
    m_fileRealtime = new QCheckBox(tr("Replay in real time"));
    m_fileRealtime->setObjectName(QStringLiteral("fileRealtime"));
    m_fileRealtime->setChecked(true);
    m_fileName = new QLineEdit;
    m_fileName->setPlaceholderText(tr("default: file name"));
    f->addRow(tr("CSV file:"), row);
    f->addRow(tr("Rate:"), m_fileRate);
    addUnitFields(f, &m_fileUnit, &m_fileScale);
    m_fileUnit->setObjectName(QStringLiteral("fileUnit"));
    m_fileScale->setObjectName(QStringLiteral("fileScale"));
    f->addRow(QString(), m_fileLoop);
    f->addRow(QString(), m_fileRealtime);
    f->addRow(tr("Device name:"), m_fileName);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Replay file"), QString(),
                                                       tr("CSV (*.csv *.txt);;All files (*)"));
        if (!p.isEmpty())
            m_filePath->setText(p);
    });
    connect(m_filePath, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    connect(m_fileRate, &QDoubleSpinBox::valueChanged, this, &SourceDialog::rebuild);
    connect(m_fileLoop, &QCheckBox::toggled, this, &SourceDialog::rebuild);
    connect(m_fileRealtime, &QCheckBox::toggled, this, &SourceDialog::rebuild);
    connect(m_fileName, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    return w;
}

QWidget* SourceDialog::makeRedisPage() {
    auto* w = new QWidget;
    auto* f = new QFormLayout(w);
    m_redisHost = new QLineEdit(QStringLiteral("127.0.0.1"));
    m_redisHost->setObjectName(QStringLiteral("redisHost"));
    m_redisPort = new QSpinBox;
    m_redisPort->setObjectName(QStringLiteral("redisPort"));
    m_redisPort->setRange(1, 65535);
    m_redisPort->setValue(6379);
    m_redisPrefix = new QLineEdit(QStringLiteral("vibra"));
    m_redisPrefix->setObjectName(QStringLiteral("redisPrefix"));
    m_redisMatch = new QLineEdit;
    m_redisMatch->setObjectName(QStringLiteral("redisMatch"));
    m_redisMatch->setPlaceholderText(tr("all devices (or a glob such as line2-*)"));
    auto* note =
        new QLabel(tr("Shows, live and read-only, every device that edge recorders publish under the "
                      "prefix (record --publish); devices appear as they start publishing. Nothing is "
                      "written to Redis. To store them use vibrascope record --consume."));
    note->setWordWrap(true);
    f->addRow(tr("Host:"), m_redisHost);
    f->addRow(tr("Port:"), m_redisPort);
    f->addRow(tr("Prefix:"), m_redisPrefix);
    f->addRow(tr("Devices:"), m_redisMatch);
    f->addRow(note);
    for (auto* e : {m_redisHost, m_redisPrefix, m_redisMatch})
        connect(e, &QLineEdit::textChanged, this, &SourceDialog::rebuild);
    connect(m_redisPort, &QSpinBox::valueChanged, this, &SourceDialog::rebuild);
    return w;
}

void SourceDialog::refreshPorts() {
    const QString current = m_port->currentText();
    m_port->clear();
    for (const QSerialPortInfo& p : QSerialPortInfo::availablePorts()) {
        QString label = p.systemLocation();
        if (!p.description().isEmpty())
            label += QStringLiteral(" (%1)").arg(p.description());
        m_port->addItem(label, p.systemLocation());
    }
    if (!current.isEmpty())
        m_port->setCurrentText(current);
}

void SourceDialog::setPage(Page page) {
    m_tabs->setCurrentIndex(page);
    rebuild();
}

QString SourceDialog::buildUri() const {
    QStringList q;
    switch (m_tabs->currentIndex()) {
    case Simulator: {
        const QString profile = m_simProfile->currentData().toString();
        if (profile != QLatin1String("machine"))
            param(q, "profile", profile);
        if (m_simRate->value() != 16000)
            param(q, "rate", number(m_simRate->value()));
        if (m_simAxes->value() != 3)
            param(q, "axes", QString::number(m_simAxes->value()));
        if (m_simUnit->currentData().toString() != QLatin1String("g"))
            param(q, "unit", m_simUnit->currentData().toString());
        // A name that is not a valid host name (spaces, ...) goes into id=.
        const QString name = m_simName->text().trimmed();
        static const QRegularExpression kHost(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]*$"));
        if (kHost.match(name).hasMatch())
            return withQuery(QStringLiteral("sim://") + name, q);
        param(q, "id", name);
        return withQuery(QStringLiteral("sim://sim"), q);
    }
    case Serial: {
        QString path = m_port->currentData().toString();
        if (path.isEmpty() || m_port->currentText() != m_port->itemText(m_port->currentIndex()))
            path = m_port->currentText().section(QLatin1Char(' '), 0, 0); // typed by hand
        param(q, "baud", m_baud->currentText().trimmed());
        param(q, "format", m_serialFormat->currentData().toString());
        if (m_serialRate->value() > 0)
            param(q, "rate", number(m_serialRate->value()));
        if (m_serialFormat->currentData().toString() !=
            QLatin1String("frame")) { // frames carry unit and scale
            if (m_serialUnit->currentData().toString() != QLatin1String("g"))
                param(q, "unit", m_serialUnit->currentData().toString());
            if (m_serialScale->value() != 1.0)
                param(q, "scale", number(m_serialScale->value()));
        }
        if (!m_serialName->text().trimmed().isEmpty())
            param(q, "id", m_serialName->text().trimmed());
        return withQuery(QStringLiteral("serial://") + path, q);
    }
    case WebSocket: {
        QUrl url(m_wsUrl->text().trimmed());
        QUrlQuery query(url);
        if (m_wsFormat->currentData().toString() != QLatin1String("auto"))
            query.addQueryItem(QStringLiteral("format"), m_wsFormat->currentData().toString());
        if (!m_wsToken->text().isEmpty())
            query.addQueryItem(QStringLiteral("token"), m_wsToken->text());
        if (!m_wsName->text().trimmed().isEmpty())
            query.addQueryItem(QStringLiteral("id"), m_wsName->text().trimmed());
        url.setQuery(query);
        return url.toString();
    }
    case File: {
        if (m_fileRate->value() > 0)
            param(q, "rate", number(m_fileRate->value()));
        if (m_fileUnit->currentData().toString() != QLatin1String("g"))
            param(q, "unit", m_fileUnit->currentData().toString());
        if (m_fileScale->value() != 1.0)
            param(q, "scale", number(m_fileScale->value()));
        if (m_fileLoop->isChecked())
            param(q, "loop", QStringLiteral("true"));
        if (!m_fileRealtime->isChecked())
            param(q, "realtime", QStringLiteral("false"));
        if (!m_fileName->text().trimmed().isEmpty())
            param(q, "id", m_fileName->text().trimmed());
        return withQuery(QUrl::fromLocalFile(m_filePath->text().trimmed()).toString(QUrl::FullyEncoded), q);
    }
    case Redis: {
        if (!m_redisMatch->text().trimmed().isEmpty())
            param(q, "match", m_redisMatch->text().trimmed());
        return withQuery(QStringLiteral("redis://%1:%2/%3")
                             .arg(m_redisHost->text().trimmed())
                             .arg(m_redisPort->value())
                             .arg(m_redisPrefix->text().trimmed()),
                         q);
    }
    }
    return {};
}

void SourceDialog::rebuild() {
    if (m_building)
        return;
    m_uri->setText(buildUri());
}

void SourceDialog::setUri(const QString& uri) {
    setWindowTitle(tr("Edit source"));
    const QUrl url(uri);
    const QString scheme = url.scheme();
    m_building = true;
    if (scheme == QLatin1String("sim")) {
        const QUrlQuery q(url);
        m_simName->setText(q.hasQueryItem(QStringLiteral("id"))
                               ? q.queryItemValue(QStringLiteral("id"), QUrl::FullyDecoded)
                               : url.host());
        const int idx = m_simProfile->findData(q.queryItemValue(QStringLiteral("profile")));
        m_simProfile->setCurrentIndex(idx >= 0 ? idx : 0);
        if (q.hasQueryItem(QStringLiteral("rate")))
            m_simRate->setValue(q.queryItemValue(QStringLiteral("rate")).toDouble());
        if (q.hasQueryItem(QStringLiteral("axes")))
            m_simAxes->setValue(q.queryItemValue(QStringLiteral("axes")).toInt());
        m_tabs->setCurrentIndex(Simulator);
    } else if (scheme == QLatin1String("serial")) {
        m_port->setCurrentText(url.path());
        m_tabs->setCurrentIndex(Serial);
    } else if (scheme == QLatin1String("ws") || scheme == QLatin1String("wss")) {
        m_wsUrl->setText(uri);
        m_tabs->setCurrentIndex(WebSocket);
    } else if (scheme == QLatin1String("file")) {
        m_filePath->setText(url.toLocalFile());
        m_tabs->setCurrentIndex(File);
    } else if (scheme == QLatin1String("redis")) {
        m_redisHost->setText(url.host());
        m_redisPort->setValue(url.port(6379));
        m_redisPrefix->setText(url.path().mid(1));
        m_redisMatch->setText(QUrlQuery(url).queryItemValue(QStringLiteral("match"), QUrl::FullyDecoded));
        m_tabs->setCurrentIndex(Redis);
    }
    m_building = false;
    m_uri->setText(uri); // exactly what was there; fields only help to change it
}

QString SourceDialog::uri() const {
    return m_uri->text().trimmed();
}

} // namespace vibra::ui
