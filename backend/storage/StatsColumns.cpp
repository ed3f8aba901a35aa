#include "storage/StatsColumns.h"

#include <algorithm>
#include <array>

namespace vibra::storage {

namespace {
constexpr std::array<std::string_view, StatsColumns::kCount> kNames = {
    "n", "min", "max", "mean", "rms", "peak", "crest", "kurtosis", "velocity_rms", "zone", "gaps"};
}

std::string StatsColumns::list(std::string_view alias) {
    std::string out;
    for (const auto name : kNames) {
        if (!out.empty())
            out += ", ";
        if (!alias.empty())
            out.append(alias).append(".");
        out += name;
    }
    return out;
}

std::string StatsColumns::placeholders() {
    std::string out = "?";
    for (int i = 1; i < kCount; ++i)
        out += ",?";
    return out;
}

std::string StatsColumns::assignments(std::string_view from, std::initializer_list<std::string_view> except) {
    std::string out;
    for (const auto name : kNames) {
        if (std::find(except.begin(), except.end(), name) != except.end())
            continue;
        if (!out.empty())
            out += ", ";
        out.append(name).append("=").append(from).append(".").append(name);
    }
    return out;
}

void StatsColumns::bind(Statement& st, int first, const RollupStats& s) {
    st.bind(first, static_cast<std::int64_t>(s.n))
        .bind(first + 1, s.min)
        .bind(first + 2, s.max)
        .bind(first + 3, s.mean)
        .bind(first + 4, s.rms)
        .bind(first + 5, s.peak)
        .bind(first + 6, s.crest)
        .bind(first + 7, s.kurtosis);
    if (s.velocityRms)
        st.bind(first + 8, *s.velocityRms);
    else
        st.bindNull(first + 8);
    if (s.zone)
        st.bind(first + 9, static_cast<std::int64_t>(*s.zone));
    else
        st.bindNull(first + 9);
    st.bind(first + 10, static_cast<std::int64_t>(s.gaps));
}

RollupStats StatsColumns::read(const Statement& st, int first) {
    RollupStats s;
    s.n = static_cast<std::uint64_t>(st.int64(first));
    s.min = st.real(first + 1);
    s.max = st.real(first + 2);
    s.mean = st.real(first + 3);
    s.rms = st.real(first + 4);
    s.peak = st.real(first + 5);
    s.crest = st.real(first + 6);
    s.kurtosis = st.real(first + 7);
    if (!st.isNull(first + 8)) {
        s.velocityRms = st.real(first + 8);
        s.velocityN = s.n;
    }
    if (!st.isNull(first + 9))
        s.zone = static_cast<int>(st.int64(first + 9));
    s.gaps = static_cast<std::uint64_t>(st.int64(first + 10));
    return s;
}

} // namespace vibra::storage
