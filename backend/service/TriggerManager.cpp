#include "service/TriggerManager.h"

#include "alarms/AlarmRule.h"
#include "core/Clock.h"
#include "pipeline/Pipeline.h"
#include "service/JsonViews.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace vibra::service {

namespace {
constexpr std::int64_t kAlarmLatencyNs = 5 * core::kSecondNs; ///< extra history kept: an alarm arrives late
constexpr std::size_t kTapBlocks = 1024;
} // namespace

TriggerManager::TriggerManager(pipeline::Pipeline& pipeline, std::vector<TriggerSpec> specs, std::string dir,
                               QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_specs(std::move(specs))
    , m_engine(dir)
    , m_uploader(TriggerUploader::Options{QString::fromStdString(dir)})
    , m_states(m_specs.size()) {
    connect(&m_timer, &QTimer::timeout, this, &TriggerManager::poll);
}

TriggerManager::~TriggerManager() {
    stop();
}

bool TriggerManager::start(std::string* error) {
    alarms::AlarmRules rules = m_pipeline.alarmRules();
    for (const auto& s : m_specs) {
        if (s.kind != TriggerSpec::Kind::Alarm)
            continue;
        const std::string text = s.when + ",device=" + s.device;
        std::string e;
        auto rule = s.when.rfind("zone>=", 0) == 0 ? alarms::AlarmRule::zoneAtLeast(s.when.substr(6), &e)
                                                   : alarms::AlarmRule::parse(text, &e);
        if (!rule) {
            *error = "trigger '" + s.name + "': " + e;
            return false;
        }
        if (s.when.rfind("zone>=", 0) == 0)
            rule->device = s.device;
        m_ruleText[rule->text + "|" + s.device] = s.name;
        rules.push_back(*rule);
        m_rules.push_back(*rule);
    }
    if (!m_engine.start(error))
        return false;
    m_pipeline.setAlarmRules(rules);
    m_lastEvent = m_pipeline.events().lastSequence();
    for (const auto& ch : m_pipeline.channels())
        attach(ch.get());
    connect(&m_pipeline, &pipeline::Pipeline::deviceAdded, this, [this](pipeline::DeviceChannel* ch) {
        m_tapped.erase(ch->deviceId().toStdString()); // a device added again needs a new tap
        attach(ch);
    });
    m_timer.start(50);
    return true;
}

void TriggerManager::stop() {
    m_timer.stop();
    m_uploader.stop();
    m_engine.stop();
}

void TriggerManager::attach(pipeline::DeviceChannel* ch) {
    const std::string id = ch->deviceId().toStdString();
    std::int64_t keep = 0;
    bool wanted = false;
    for (const auto& s : m_specs)
        if (s.device == id) {
            wanted = true;
            keep = std::max(keep, s.preNs + kAlarmLatencyNs);
        }
    if (!wanted || m_tapped.count(id) || ch->core()->isFinished())
        return;
    auto tap = std::make_shared<pipeline::TapFeed>(id, ch->uri().toStdString(), kTapBlocks);
    ch->core()->addTap(tap);
    m_engine.addTap(tap, keep);
    m_tapped[id] = tap;
}

void TriggerManager::fire(const TriggerSpec& spec, State& st, std::int64_t startNs, std::int64_t endNs) {
    m_engine.request(spec.name, spec.device, startNs, endNs);
    ++st.fired;
    st.lastEndNs = endNs;
}

void TriggerManager::uploadState(const TriggerSpec& spec, std::int64_t windowStartNs) {
    QJsonObject o;
    o[QStringLiteral("trigger")] = QString::fromStdString(spec.name);
    o[QStringLiteral("device")] = QString::fromStdString(spec.device);
    o[QStringLiteral("window_start")] = JsonViews::isoTime(windowStartNs);
    o[QStringLiteral("window_start_ns")] = QString::number(windowStartNs);
    o[QStringLiteral("period_s")] = static_cast<double>(spec.uploadPeriodNs) / 1e9;
    o[QStringLiteral("uploaded_at")] = JsonViews::isoTime(core::utcNowNs());
    const auto* ch = m_pipeline.find(QString::fromStdString(spec.device));
    const auto last = ch ? ch->core()->lastSecond() : nullptr;
    o[QStringLiteral("second")] = last ? QJsonValue(JsonViews::liveSecond(*last)) : QJsonValue();
    m_uploader.upload(QString::fromStdString(spec.upload), spec.name, spec.device, windowStartNs,
                      QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void TriggerManager::poll() {
    const std::int64_t now = core::utcNowNs();
    const auto batch = m_pipeline.events().since(m_lastEvent);
    m_lastEvent = batch.last;
    for (const auto& e : batch.entries) {
        const auto& ev = *e.event;
        if (ev.kind != "alarm" || ev.state != "raised")
            continue;
        const auto it = m_ruleText.find(ev.rule + "|" + ev.deviceId);
        if (it == m_ruleText.end())
            continue;
        for (std::size_t i = 0; i < m_specs.size(); ++i) {
            const auto& s = m_specs[i];
            if (s.name != it->second)
                continue;
            State& st = m_states[i];
            if (st.fired > 0 && ev.tNs - s.preNs < st.lastEndNs + s.holdoffNs) {
                ++st.suppressed;
                continue;
            }
            fire(s, st, ev.tNs - s.preNs, ev.tNs + s.postNs);
        }
    }
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        const auto& s = m_specs[i];
        State& st = m_states[i];
        if (s.kind == TriggerSpec::Kind::Schedule) {
            const std::int64_t k = now / s.everyNs;
            const std::int64_t startNs = k * s.everyNs;
            if (startNs > st.lastScheduleStartNs && now < startNs + s.durationNs) {
                if (st.lastScheduleStartNs >= 0 || now - startNs < core::kSecondNs) // whole windows only
                    fire(s, st, startNs, startNs + s.durationNs);
                st.lastScheduleStartNs = startNs;
            }
        } else if (s.kind == TriggerSpec::Kind::External && st.on && now - st.onSinceNs > s.maxWindowNs) {
            external(QString::fromStdString(s.name), false);
        } else if (s.kind == TriggerSpec::Kind::External && st.on && !s.upload.empty()) {
            const std::int64_t startNs = now / s.uploadPeriodNs * s.uploadPeriodNs;
            if (startNs > st.lastUploadStartNs) {
                uploadState(s, startNs);
                st.lastUploadStartNs = startNs;
            }
        }
    }
}

HttpResponse TriggerManager::external(const QString& name, bool on) {
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        const auto& s = m_specs[i];
        if (QString::fromStdString(s.name) != name)
            continue;
        if (s.kind != TriggerSpec::Kind::External)
            return HttpResponse::error(409, QStringLiteral("trigger '%1' is not external (it is %2)")
                                                .arg(name, QLatin1String(TriggerSpec::kindName(s.kind))));
        State& st = m_states[i];
        const std::int64_t now = core::utcNowNs();
        QJsonObject o;
        o[QStringLiteral("trigger")] = name;
        o[QStringLiteral("changed")] = st.on != on;
        if (on && !st.on) {
            st.on = true;
            st.onSinceNs = now;
            fire(s, st, now - s.preNs, std::numeric_limits<std::int64_t>::max());
            o[QStringLiteral("window_start_ns")] = QString::number(now - s.preNs);
        } else if (!on && st.on) {
            st.on = false;
            st.lastEndNs = now + s.postNs;
            m_engine.close(s.name, s.device, now + s.postNs);
            o[QStringLiteral("window_end_ns")] = QString::number(now + s.postNs);
        }
        o[QStringLiteral("on")] = st.on;
        return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    return HttpResponse::error(404, QStringLiteral("no trigger named '%1'").arg(name));
}

HttpResponse TriggerManager::status() const {
    QJsonArray list;
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        const auto& s = m_specs[i];
        QJsonObject o;
        o[QStringLiteral("name")] = QString::fromStdString(s.name);
        o[QStringLiteral("kind")] = QLatin1String(TriggerSpec::kindName(s.kind));
        o[QStringLiteral("device")] = QString::fromStdString(s.device);
        o[QStringLiteral("pre_s")] = static_cast<double>(s.preNs) / 1e9;
        o[QStringLiteral("post_s")] = static_cast<double>(s.postNs) / 1e9;
        o[QStringLiteral("fired")] = static_cast<qint64>(m_states[i].fired);
        o[QStringLiteral("suppressed")] = static_cast<qint64>(m_states[i].suppressed);
        if (s.kind == TriggerSpec::Kind::External)
            o[QStringLiteral("on")] = m_states[i].on;
        list.append(o);
    }
    const auto& e = m_engine.stats();
    QJsonObject o;
    o[QStringLiteral("triggers")] = list;
    o[QStringLiteral("windows_stored")] = static_cast<qint64>(e.windowsStored.load());
    o[QStringLiteral("windows_existing")] = static_cast<qint64>(e.windowsExisting.load());
    o[QStringLiteral("windows_incomplete")] = static_cast<qint64>(e.windowsIncomplete.load());
    return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void TriggerManager::detach() {
    for (const auto& [id, tap] : m_tapped)
        if (auto* ch = m_pipeline.find(QString::fromStdString(id)))
            ch->core()->removeTap(tap);
    m_tapped.clear();
}

void TriggerManager::addRoutes(Router& router, std::function<TriggerManager*()> current) {
    using A = Router::Access;
    router.add("GET", QStringLiteral("/api/triggers"), A::Read,
               [current](const HttpRequest&, const QStringList&, HttpResponder rep) {
                   rep.send(current()->status());
               });
    router.add("POST", QStringLiteral("/api/triggers/{name}/on"), A::Control,
               [current](const HttpRequest&, const QStringList& c, HttpResponder rep) {
                   rep.send(current()->external(c.value(0), true));
               });
    router.add("POST", QStringLiteral("/api/triggers/{name}/off"), A::Control,
               [current](const HttpRequest&, const QStringList& c, HttpResponder rep) {
                   rep.send(current()->external(c.value(0), false));
               });
}

void TriggerManager::metrics(PrometheusText& t) const {
    t.family("vibrascope_trigger_fired_total", "counter", "Windows requested by each trigger.");
    for (std::size_t i = 0; i < m_specs.size(); ++i)
        t.sample("vibrascope_trigger_fired_total",
                 {{QStringLiteral("trigger"), QString::fromStdString(m_specs[i].name)}},
                 static_cast<double>(m_states[i].fired));
    t.family("vibrascope_trigger_suppressed_total", "counter",
             "Trigger conditions ignored inside the holdoff.");
    for (std::size_t i = 0; i < m_specs.size(); ++i)
        t.sample("vibrascope_trigger_suppressed_total",
                 {{QStringLiteral("trigger"), QString::fromStdString(m_specs[i].name)}},
                 static_cast<double>(m_states[i].suppressed));
    const auto& e = m_engine.stats();
    t.family("vibrascope_trigger_windows_total", "counter", "Triggered windows by outcome.");
    const std::pair<const char*, std::uint64_t> r[] = {{"stored", e.windowsStored.load()},
                                                       {"existing", e.windowsExisting.load()},
                                                       {"incomplete", e.windowsIncomplete.load()},
                                                       {"write_error", e.writeErrors.load()}};
    for (const auto& [k, v] : r)
        t.sample("vibrascope_trigger_windows_total", {{QStringLiteral("result"), QString::fromLatin1(k)}},
                 static_cast<double>(v));
    t.family("vibrascope_trigger_samples_stored_total", "counter",
             "Samples per axis written into triggered windows.");
    t.sample("vibrascope_trigger_samples_stored_total", static_cast<double>(e.samplesStored.load()));
    t.family("vibrascope_trigger_buffered_samples", "gauge", "Samples per axis held in pre-trigger buffers.");
    t.sample("vibrascope_trigger_buffered_samples", static_cast<double>(e.bufferedSamples.load()));
    m_uploader.metrics(t);
}

} // namespace vibra::service
