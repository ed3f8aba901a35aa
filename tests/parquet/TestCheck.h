#pragma once
// Minimal check macros for the Qt-free Parquet tests: count failures, print file:line and a message, keep
// going.
#include <cstdio>
#include <string>

namespace vibra::parquet::test {
inline int& failures() {
    static int n = 0;
    return n;
}
inline int& checks() {
    static int n = 0;
    return n;
}
inline int finish(const char* name) {
    std::printf("%s: %d checks, %d failures\n", name, checks(), failures());
    return failures() == 0 ? 0 : 1;
}
} // namespace vibra::parquet::test

#define CHECK_MSG(cond, msg)                                                                                 \
    do {                                                                                                     \
        ++vibra::parquet::test::checks();                                                                    \
        if (!(cond)) {                                                                                       \
            ++vibra::parquet::test::failures();                                                              \
            std::fprintf(stderr, "%s:%d: FAIL %s  [%s]\n", __FILE__, __LINE__, #cond,                        \
                         std::string(msg).c_str());                                                          \
        }                                                                                                    \
    } while (0)
#define CHECK(cond) CHECK_MSG(cond, "")
