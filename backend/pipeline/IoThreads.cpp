#include "pipeline/IoThreads.h"

#include <QThread>

#include <algorithm>

namespace vibra::pipeline {

IoThreads::IoThreads(int sharedThreads) {
    const int n = sharedThreads > 0 ? sharedThreads : std::max(1, QThread::idealThreadCount());
    m_shared.resize(static_cast<std::size_t>(n));
}

IoThreads::~IoThreads() {
    for (auto& s : m_shared)
        if (s.thread) {
            s.thread->quit();
            s.thread->wait();
        }
    for (auto& t : m_dedicated) {
        t->quit();
        t->wait();
    }
}

QThread* IoThreads::acquire(bool dedicated, const QString& name) {
    if (dedicated) {
        auto t = std::make_unique<QThread>();
        t->setObjectName(QStringLiteral("io:%1").arg(name));
        t->start();
        m_dedicated.push_back(std::move(t));
        return m_dedicated.back().get();
    }
    auto it = std::min_element(m_shared.begin(), m_shared.end(),
                               [](const Shared& a, const Shared& b) { return a.users < b.users; });
    if (!it->thread) {
        it->thread = std::make_unique<QThread>();
        it->thread->setObjectName(QStringLiteral("io-%1").arg(it - m_shared.begin()));
        it->thread->start();
    }
    ++it->users;
    return it->thread.get();
}

void IoThreads::release(QThread* thread) {
    for (auto& s : m_shared)
        if (s.thread.get() == thread) {
            s.users = std::max(0, s.users - 1);
            return;
        }
    const auto it = std::find_if(m_dedicated.begin(), m_dedicated.end(),
                                 [&](const auto& t) { return t.get() == thread; });
    if (it != m_dedicated.end()) {
        (*it)->quit();
        (*it)->wait();
        m_dedicated.erase(it);
    }
}

int IoThreads::threadCount() const {
    int n = static_cast<int>(m_dedicated.size());
    for (const auto& s : m_shared)
        n += s.thread ? 1 : 0;
    return n;
}

} // namespace vibra::pipeline
