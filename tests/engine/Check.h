#pragma once
// A minimal test harness for the Qt-free engine tests (they also run under ThreadSanitizer, where Qt's own
// synchronisation would be invisible): CHECK records a failure with file and line and goes on; RUN runs a
// test function; main returns non-zero when anything failed.

#include <cstdio>
#include <functional>
#include <string>

namespace vibra::test {
inline int& failures() {
    static int n = 0;
    return n;
}
inline void fail(const char* file, int line, const std::string& what) {
    ++failures();
    std::fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what.c_str());
}
inline int run(const char* name, const std::function<void()>& fn) {
    const int before = failures();
    std::fprintf(stderr, "RUN  %s\n", name);
    fn();
    std::fprintf(stderr, "%s %s\n", failures() == before ? "OK  " : "FAILED", name);
    return failures() == before ? 0 : 1;
}
} // namespace vibra::test

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            vibra::test::fail(__FILE__, __LINE__, #cond);                                                    \
    } while (0)
#define CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                     \
        const auto va_ = (a);                                                                                \
        const auto vb_ = (b);                                                                                \
        if (!(va_ == vb_))                                                                                   \
            vibra::test::fail(__FILE__, __LINE__,                                                            \
                              std::string(#a " == " #b ": ") + std::to_string(va_) + " vs " +                \
                                  std::to_string(vb_));                                                      \
    } while (0)
#define RUN(fn) vibra::test::run(#fn, fn)
