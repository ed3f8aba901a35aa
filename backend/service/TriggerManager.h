#pragma once

#include "alarms/AlarmRule.h"
#include "pipeline/TapFeed.h"
#include "service/PrometheusText.h"
#include "service/Router.h"
#include "service/TriggerEngine.h"
#include "service/TriggerSpec.h"
#include "service/TriggerUploader.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace vibra::pipeline {
class Pipeline;
class DeviceChannel;
} // namespace vibra::pipeline

namespace vibra::service {

/// Decides when the triggers fire and asks the TriggerEngine to store the windows: attaches a raw tap to
/// every device a trigger names (also devices that appear later), adds the alarm triggers' rules to the
/// engine's alarm rules and watches pipeline.events() for their raises, runs the schedules, and serves
/// POST /api/triggers/{name}/on|off and GET /api/triggers.
///
/// Memory: each watched device keeps the newest pre + 5 s of raw blocks (at most
/// TriggerEngine::kMaxBufferedSamples samples per axis) plus a tap ring of 1024 blocks.
/// Threads: owner thread; the engine has its own.
class TriggerManager : public QObject {
    Q_OBJECT
public:
    TriggerManager(pipeline::Pipeline& pipeline, std::vector<TriggerSpec> specs, std::string dir,
                   QObject* parent = nullptr);
    ~TriggerManager() override;

    bool start(std::string* error);
    void stop();
    /// Takes this manager's taps off the devices (before it is replaced on a configuration reload).
    void detach();
    /// Routes served by whichever manager current() returns (it may be replaced on a reload).
    static void addRoutes(Router& router, std::function<TriggerManager*()> current);
    void metrics(PrometheusText& t) const;
    const std::vector<TriggerSpec>& specs() const { return m_specs; }
    /// The alarm rules start() added to the engine's for the alarm triggers.
    const alarms::AlarmRules& alarmRules() const { return m_rules; }

    /// POST /api/triggers/{name}/on|off.
    HttpResponse external(const QString& name, bool on);
    /// GET /api/triggers.
    HttpResponse status() const;

private:
    struct State {
        bool on = false; ///< external: window open
        std::int64_t onSinceNs = 0;
        std::int64_t lastEndNs = 0; ///< end of the newest window (holdoff counts from here)
        std::int64_t lastScheduleStartNs = -1;
        std::int64_t lastUploadStartNs = -1; ///< external with upload: the newest period uploaded
        std::uint64_t fired = 0;
        std::uint64_t suppressed = 0; ///< raises inside holdoff or an open window
    };
    void attach(pipeline::DeviceChannel* ch);
    void poll();
    void fire(const TriggerSpec& spec, State& st, std::int64_t startNs, std::int64_t endNs);
    void uploadState(const TriggerSpec& spec, std::int64_t windowStartNs);

    pipeline::Pipeline& m_pipeline;
    const std::vector<TriggerSpec> m_specs;
    TriggerEngine m_engine;
    TriggerUploader m_uploader;
    std::vector<State> m_states;
    alarms::AlarmRules m_rules;
    std::map<std::string, std::string> m_ruleText;        ///< alarm rule text -> trigger name
    std::map<std::string, pipeline::TapFeedPtr> m_tapped; ///< device id -> its tap
    std::uint64_t m_lastEvent = 0;
    QTimer m_timer;
};

} // namespace vibra::service
