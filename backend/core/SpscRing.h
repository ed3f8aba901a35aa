#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>
#include <vector>

namespace vibra::core {

/// Bounded single-producer / single-consumer ring.
///
/// Threads: exactly one producer thread calls tryPush(); exactly one consumer thread calls tryPop()/pop
/// helpers. size(), capacity() and rejected() may be read from any thread (approximate while running).
/// Overflow policy: tryPush() never blocks and never overwrites; on a full ring it returns false, the
/// element is not stored, and rejected() counts it. The caller accounts the loss (drop-newest).
///
/// Memory order: the producer writes the slot, then publishes it with a release store of m_tail; the
/// consumer acquires m_tail before reading the slot. Symmetrically the consumer releases m_head after
/// moving the element out, and the producer acquires m_head before reusing that slot.
template <typename T> class SpscRing {
public:
    explicit SpscRing(std::size_t capacity)
        : m_capacity(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity))
        , m_mask(m_capacity - 1)
        , m_slots(m_capacity) {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const { return m_capacity; }

    /// Producer only. Returns false (and counts) when full.
    bool tryPush(T value) {
        const std::size_t tail = m_tail.load(std::memory_order_relaxed); // own index
        if (tail - m_headCache == m_capacity) {
            m_headCache = m_head.load(std::memory_order_acquire); // slot reuse needs the consumer's release
            if (tail - m_headCache == m_capacity) {
                m_rejected.fetch_add(1, std::memory_order_relaxed);
                return false;
            }
        }
        m_slots[tail & m_mask] = std::move(value);
        m_tail.store(tail + 1, std::memory_order_release); // publish the slot
        m_pushed.fetch_add(1, std::memory_order_release);
        m_pushed.notify_one();
        return true;
    }

    /// Consumer only. Returns false when empty.
    bool tryPop(T& out) {
        const std::size_t head = m_head.load(std::memory_order_relaxed); // own index
        if (head == m_tailCache) {
            m_tailCache = m_tail.load(std::memory_order_acquire); // see the producer's slot write
            if (head == m_tailCache)
                return false;
        }
        out = std::move(m_slots[head & m_mask]);
        m_slots[head & m_mask] = T{};                      // release resources held by the slot now
        m_head.store(head + 1, std::memory_order_release); // hand the slot back
        return true;
    }

    std::optional<T> tryPop() {
        T v;
        if (tryPop(v))
            return v;
        return std::nullopt;
    }

    /// Consumer only: blocks until something was pushed after `seen` (from pushCount()) or wake() is
    /// called. Use: auto s = ring.pushCount(); drain; ring.waitForPush(s).
    void waitForPush(std::uint64_t seen) const { m_pushed.wait(seen, std::memory_order_acquire); }
    std::uint64_t pushCount() const { return m_pushed.load(std::memory_order_acquire); }
    /// Any thread: wakes a consumer blocked in waitForPush (used for shutdown).
    void wake() {
        m_pushed.fetch_add(1, std::memory_order_release);
        m_pushed.notify_all();
    }

    std::size_t size() const {
        return m_tail.load(std::memory_order_acquire) - m_head.load(std::memory_order_acquire);
    }
    bool empty() const { return size() == 0; }
    std::uint64_t rejected() const { return m_rejected.load(std::memory_order_relaxed); }

private:
    // immutable after construction
    const std::size_t m_capacity;
    const std::size_t m_mask;
    std::vector<T> m_slots;

    // consumer-owned index (read by the producer)
    alignas(64) std::atomic<std::size_t> m_head{0};
    std::size_t m_tailCache = 0; // consumer thread only
    // producer-owned index (read by the consumer)
    alignas(64) std::atomic<std::size_t> m_tail{0};
    std::size_t m_headCache = 0; // producer thread only
    // any thread
    alignas(64) std::atomic<std::uint64_t> m_pushed{0}; // wait/notify word; also bumped by wake()
    std::atomic<std::uint64_t> m_rejected{0};
};

} // namespace vibra::core
