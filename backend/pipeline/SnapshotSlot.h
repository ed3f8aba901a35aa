#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <mutex>

namespace vibra::pipeline {

/// The newest DeviceSnapshot of one device: a one-element mailbox. The DSP processor replaces it (at most
/// snapshotHz times a second); readers (the dashboard's UI tick, the live stream server) take the pointer
/// when they draw. Newest wins, so a busy or absent reader never makes anything queue up: the memory bound
/// is one snapshot per device plus whatever readers still hold.
///
/// Threads: store() on the device's pool worker, load() on any thread. The mutex guards only the pointer swap
/// (the snapshot itself is immutable), so no lock is held while a snapshot is built or drawn.
class SnapshotSlot {
public:
    void store(DeviceSnapshotPtr snapshot) {
        std::lock_guard lock(m_mutex);
        m_snapshot.swap(snapshot);
        // the previous snapshot is released after the lock, when `snapshot` goes out of scope
    }
    DeviceSnapshotPtr load() const {
        std::lock_guard lock(m_mutex);
        return m_snapshot;
    }

private:
    mutable std::mutex m_mutex;
    DeviceSnapshotPtr m_snapshot;
};

} // namespace vibra::pipeline
