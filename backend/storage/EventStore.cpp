#include "storage/EventStore.h"

#include <cmath>

namespace vibra::storage {

bool EventStore::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_insert =
        Statement(db, "INSERT INTO event(device_id, session_id, t_ns, kind, first_sample, samples, detail, "
                      "state, rule, metric, axis, value, threshold) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!m_insert.isValid()) {
        *error = m_insert.error();
        return false;
    }
    return true;
}

void EventStore::finalize() {
    m_insert = {};
}

bool EventStore::insert(std::optional<std::int64_t> deviceRowId, std::int64_t sessionId, const core::Event& e,
                        std::string* error) {
    Statement& st = m_insert;
    st.reset(); // also clears the bindings: whatever is not bound below is NULL
    if (deviceRowId)
        st.bind(1, *deviceRowId);
    st.bind(2, sessionId).bind(3, e.tNs).bind(4, e.kind);
    if (e.samples > 0)
        st.bind(5, static_cast<std::int64_t>(e.firstSample)).bind(6, static_cast<std::int64_t>(e.samples));
    if (!e.detail.empty())
        st.bind(7, e.detail);
    if (!e.state.empty())
        st.bind(8, e.state);
    if (!e.rule.empty())
        st.bind(9, e.rule);
    if (!e.metric.empty())
        st.bind(10, e.metric);
    if (e.axis >= 0)
        st.bind(11, static_cast<std::int64_t>(e.axis));
    if (std::isfinite(e.value))
        st.bind(12, e.value);
    if (std::isfinite(e.threshold))
        st.bind(13, e.threshold);
    if (st.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    return true;
}

} // namespace vibra::storage
