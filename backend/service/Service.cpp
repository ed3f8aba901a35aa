#include "service/Service.h"

#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "recording/Recorder.h"

namespace vibra::service {

Service::Service(pipeline::Pipeline& pipeline, recording::Recorder& recorder, Options options,
                 QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_recorder(recorder)
    , m_options(std::move(options))
    , m_router(m_options.tokens) {
    m_queries =
        std::make_unique<QueryWorkers>(m_options.dbPath, m_options.queryThreads, m_options.queryQueue);
    io::IngestServer::Options io;
    io.address = m_options.http.address;
    io.port = m_options.http.port;
    io.token = QString::fromUtf8(m_options.tokens.firstControl());
    io.maxMessageBytes = m_options.ingestMaxMessageBytes;
    io.maxDevices = m_options.maxDevices;
    io.maxConnections = m_options.maxDevices + 256;
    m_ingest = std::make_unique<pipeline::IngestBridge>(pipeline, io, nullptr);
    m_httpIngest = std::make_unique<HttpIngest>(m_ingest->server());
    HttpServer::Options ho = m_options.http;
    ho.upgradePaths = {QStringLiteral("/ingest"), QStringLiteral("/stream")};
    m_http = std::make_unique<HttpServer>(
        ho, [this](HttpRequest&& r, HttpResponder rep) { m_router.handle(std::move(r), rep); },
        [this](QTcpSocket* s, const HttpRequest& head) {
            if (head.path == QLatin1String("/stream") &&
                head.param(QStringLiteral("view")) == QLatin1String("display"))
                m_display->handleUpgrade(s);
            else
                m_ingest->server().handleUpgrade(s);
        });
    ServiceMetrics::Parts parts;
    parts.pipeline = &pipeline;
    parts.recorder = &recorder;
    parts.http = m_http.get();
    parts.router = &m_router;
    parts.httpIngest = m_httpIngest.get();
    parts.ingest = m_ingest.get();
    parts.queries = m_queries.get();
    parts.version = m_options.version;
    m_metrics = std::make_unique<ServiceMetrics>(parts);
    LiveApi::Parts lp;
    lp.pipeline = &pipeline;
    lp.recorder = &recorder;
    lp.ingest = m_httpIngest.get();
    lp.metrics = m_metrics.get();
    lp.workers = m_queries.get();
    m_live = std::make_unique<LiveApi>(lp);
    m_live->addRoutes(m_router);
    HistoryApi::Options hp;
    hp.dbPath = m_options.dbPath;
    hp.tempDir = m_options.tempDir;
    m_history = std::make_unique<HistoryApi>(hp, *m_queries);
    m_history->addRoutes(m_router);
    m_triggers = std::make_unique<TriggerManager>(pipeline, m_options.triggers, m_options.triggerDir);
    TriggerManager::addRoutes(m_router, [this] { return m_triggers.get(); });
    m_metrics->addSection([this](PrometheusText& t) { m_triggers->metrics(t); });
    AlarmWebhooks::Options wo = m_options.webhooks;
    wo.version = m_options.version;
    m_webhooks = std::make_unique<AlarmWebhooks>(pipeline.events(), wo);
    m_metrics->addSection([this](PrometheusText& t) { m_webhooks->metrics(t); });
    DisplayStream::Options dp;
    dp.tokens = m_options.tokens;
    dp.maxClients = m_options.maxViewers;
    dp.queueBytes = m_options.viewerQueueBytes;
    m_display = std::make_unique<DisplayStream>(pipeline, dp);
    m_metrics->addSection([this](PrometheusText& t) { m_display->metrics(t); });
    m_web = std::make_unique<WebUi>(m_options.tokens);
    m_web->addRoutes(m_router);
}

Service::~Service() {
    close();
    m_queries.reset(); // joins the workers before the APIs their jobs post results to go away
}

bool Service::start(QString* error) {
    if (!m_options.triggers.empty()) {
        std::string e;
        if (!m_triggers->start(&e)) {
            *error = QString::fromStdString(e);
            return false;
        }
    }
    if (!m_http->listen(error))
        return false;
    m_ingest->server().startWithoutListening(m_http->port());
    m_webhooks->start();
    return true;
}

void Service::setTokens(const TokenSet& tokens) {
    m_router.setTokens(tokens);
    m_ingest->server().setToken(QString::fromUtf8(tokens.firstControl()));
    m_display->setTokens(tokens);
    m_web->setTokens(tokens);
}

bool Service::setTriggers(std::vector<TriggerSpec> specs, const std::string& dir,
                          const alarms::AlarmRules& userRules, std::string* error) {
    m_triggers->detach();
    m_triggers->stop();
    m_pipeline.setAlarmRules(userRules); // without the old triggers' rules
    m_triggers = std::make_unique<TriggerManager>(m_pipeline, std::move(specs), dir);
    return m_triggers->specs().empty() || m_triggers->start(error);
}

void Service::setAlarmRules(const alarms::AlarmRules& rules) {
    alarms::AlarmRules all = rules;
    const auto& own = m_triggers->alarmRules();
    all.insert(all.end(), own.begin(), own.end());
    m_pipeline.setAlarmRules(std::move(all));
}

void Service::close() {
    if (m_webhooks)
        m_webhooks->stop();
    if (m_http)
        m_http->close();
    if (m_display)
        m_display->close();
    if (m_ingest)
        m_ingest->close();
}

void Service::stopTriggers() {
    if (m_triggers)
        m_triggers->stop();
}

} // namespace vibra::service
