#include "cli/ServeReload.h"

#include "pipeline/Pipeline.h"

namespace vibra::cli {

namespace {
QStringList ruleTexts(const alarms::AlarmRules& rules) {
    QStringList out;
    for (const auto& r : rules)
        out << QString::fromStdString(r.text);
    return out;
}

QString triggerText(const service::TriggerSpec& t) {
    return QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|%10")
        .arg(QString::fromStdString(t.name), service::TriggerSpec::kindName(t.kind),
             QString::fromStdString(t.device), QString::fromStdString(t.when))
        .arg(t.preNs)
        .arg(t.postNs)
        .arg(t.holdoffNs)
        .arg(t.everyNs)
        .arg(t.durationNs)
        .arg(t.maxWindowNs);
}
} // namespace

ServeReload::ServeReload(pipeline::Pipeline& pipeline, service::Service& service, ServeSettings running)
    : m_pipeline(pipeline)
    , m_service(service)
    , m_running(std::move(running)) {}

QStringList ServeReload::restartNeeded(const ServeSettings& a, const ServeSettings& b) {
    QStringList out;
    const auto differs = [&out](bool changed, const char* what) {
        if (changed)
            out << QString::fromLatin1(what);
    };
    const auto& ra = a.recorder.recorder;
    const auto& rb = b.recorder.recorder;
    differs(ra.dbPath != rb.dbPath, "db");
    differs(ra.parquetDir != rb.parquetDir || ra.rotateNs != rb.rotateNs, "parquet/rotate");
    differs(ra.raw != rb.raw || ra.durability != rb.durability, "raw/durable");
    differs(ra.retention.rawNs != rb.retention.rawNs || ra.retention.rollupNs != rb.retention.rollupNs,
            "retain_raw/retain_rollups");
    differs(a.recorder.workers != b.recorder.workers, "workers");
    differs(a.recorder.maxDevices != b.recorder.maxDevices, "max_devices");
    differs(a.recorder.durationSeconds != b.recorder.durationSeconds, "duration");
    differs(a.recorder.quiet != b.recorder.quiet || a.recorder.verbose != b.recorder.verbose,
            "quiet/verbose");
    differs(a.recorder.reportJson != b.recorder.reportJson, "report_json");
    const auto& ha = a.service.http;
    const auto& hb = b.service.http;
    differs(ha.address != hb.address || ha.port != hb.port, "http.listen");
    differs(ha.tlsCertFile != hb.tlsCertFile || ha.tlsKeyFile != hb.tlsKeyFile, "http.tls_cert/tls_key");
    differs(ha.maxBodyBytes != hb.maxBodyBytes || ha.maxConnections != hb.maxConnections ||
                ha.headTimeoutMs != hb.headTimeoutMs || ha.idleTimeoutMs != hb.idleTimeoutMs,
            "http limits");
    return out;
}

bool ServeReload::triggersDiffer(const ServeSettings& a, const ServeSettings& b) {
    QStringList ta;
    QStringList tb;
    for (const auto& t : a.service.triggers)
        ta << triggerText(t);
    for (const auto& t : b.service.triggers)
        tb << triggerText(t);
    return ta != tb || a.service.triggerDir != b.service.triggerDir;
}

QStringList ServeReload::applySources(const QStringList& next) {
    QStringList out;
    const QStringList& current = m_running.recorder.sources;
    for (const QString& uri : current) {
        if (next.contains(uri))
            continue;
        const QString id = m_devices.value(uri);
        if (!id.isEmpty() && m_pipeline.remove(id))
            out << QStringLiteral("source removed: %1 (device %2)").arg(uri, id);
        else
            out << QStringLiteral("source %1 was already gone").arg(uri);
        m_devices.remove(uri);
    }
    for (const QString& uri : next) {
        if (current.contains(uri))
            continue;
        QString error;
        pipeline::DeviceChannel* ch = m_pipeline.add(uri, &error);
        if (!ch) {
            out << QStringLiteral("source not added: %1: %2").arg(uri, error);
            continue;
        }
        ch->start();
        m_devices.insert(uri, ch->deviceId());
        out << QStringLiteral("source added: %1 (device %2)").arg(uri, ch->deviceId());
    }
    return out;
}

QStringList ServeReload::apply(const ServeSettings& next) {
    QStringList out = applySources(next.recorder.sources);
    QStringList running; // what is live now, so a source that failed to add is tried again next time
    for (auto it = m_devices.cbegin(); it != m_devices.cend(); ++it)
        running << it.key();
    const bool alarmsChanged = ruleTexts(next.recorder.alarms) != ruleTexts(m_running.recorder.alarms);
    bool triggersApplied = false;
    if (triggersDiffer(m_running, next)) {
        std::string error;
        triggersApplied = m_service.setTriggers(next.service.triggers, next.service.triggerDir,
                                                next.recorder.alarms, &error);
        out << (triggersApplied ? QStringLiteral("triggers: %1 now (restarted, counters from 0)")
                                      .arg(next.service.triggers.size())
                                : QStringLiteral("triggers not started: %1; no trigger runs")
                                      .arg(QString::fromStdString(error)));
    } else if (alarmsChanged) {
        m_service.setAlarmRules(next.recorder.alarms);
    }
    if (alarmsChanged)
        out << QStringLiteral("alarms: %1 rule(s) now").arg(next.recorder.alarms.size());
    m_service.setTokens(next.service.tokens);
    m_service.setWebhooks(next.service.webhooks);
    out << QStringLiteral("tokens and webhooks (%1) applied").arg(next.service.webhooks.urls.size());
    const QStringList restart = restartNeeded(m_running, next);
    if (!restart.isEmpty())
        out << QStringLiteral("changed but needs a restart (running values kept): %1")
                   .arg(restart.join(QStringLiteral(", ")));
    // Keep the running values of what needs a restart; take the rest.
    ServeSettings kept = m_running;
    kept.recorder.sources = running;
    kept.recorder.alarms = next.recorder.alarms;
    kept.service.tokens = next.service.tokens;
    kept.service.webhooks = next.service.webhooks;
    if (triggersApplied) {
        kept.service.triggers = next.service.triggers;
        kept.service.triggerDir = next.service.triggerDir;
    } else if (triggersDiffer(m_running, next)) {
        kept.service.triggers.clear(); // none runs: the next reload starts them again
    }
    m_running = std::move(kept);
    return out;
}

} // namespace vibra::cli
