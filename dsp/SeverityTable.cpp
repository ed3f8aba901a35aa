#include "dsp/SeverityTable.h"

#include <charconv>
#include <cstdio>
#include <sstream>

namespace vibra::dsp {

namespace {

constexpr const char* kIso3Source =
    "ISO 10816-3:2009 (same values reported for ISO 20816-3:2022), via secondary sources; verify against the "
    "purchased standard";
constexpr const char* kIso1Source = "ISO 10816-1:1995 Annex B, via secondary sources (unverified)";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool parseNumber(std::string_view s, double& out) {
    s = trim(s);
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

} // namespace

SeverityTable SeverityTable::defaults() {
    SeverityTable t;
    auto add = [&t](std::string id, std::string desc, double ab, double bc, double cd, const char* src) {
        t.m_presets.push_back(SeverityPreset{std::move(id), std::move(desc), ab, bc, cd, 10, 1000, src});
    };
    add("iso10816-3/group1/rigid",
        "ISO 10816-3 group 1 (300 kW-50 MW, shaft height >= 315 mm), rigid support", 2.3, 4.5, 7.1,
        kIso3Source);
    add("iso10816-3/group1/flexible",
        "ISO 10816-3 group 1 (300 kW-50 MW, shaft height >= 315 mm), flexible support", 3.5, 7.1, 11.0,
        kIso3Source);
    add("iso10816-3/group2/rigid",
        "ISO 10816-3 group 2 (15-300 kW, 160 mm <= shaft height < 315 mm), rigid support", 1.4, 2.8, 4.5,
        kIso3Source);
    add("iso10816-3/group2/flexible",
        "ISO 10816-3 group 2 (15-300 kW, 160 mm <= shaft height < 315 mm), flexible support", 2.3, 4.5, 7.1,
        kIso3Source);
    add("iso10816-1/class1", "ISO 10816-1 class I: small machines up to about 15 kW", 0.71, 1.8, 4.5,
        kIso1Source);
    add("iso10816-1/class2", "ISO 10816-1 class II: 15-75 kW, or up to 300 kW on special foundations", 1.12,
        2.8, 7.1, kIso1Source);
    add("iso10816-1/class3", "ISO 10816-1 class III: large machines on rigid heavy foundations", 1.8, 4.5,
        11.2, kIso1Source);
    add("iso10816-1/class4",
        "ISO 10816-1 class IV: large machines on soft foundations (e.g. turbo-generators)", 2.8, 7.1, 18.0,
        kIso1Source);
    return t;
}

const SeverityPreset* SeverityTable::find(std::string_view id) const {
    for (const auto& p : m_presets)
        if (p.id == id)
            return &p;
    return nullptr;
}

bool SeverityTable::set(const SeverityPreset& preset) {
    if (preset.id.empty() || !preset.valid())
        return false;
    for (auto& p : m_presets) {
        if (p.id == preset.id) {
            p = preset;
            return true;
        }
    }
    m_presets.push_back(preset);
    return true;
}

SeverityZone SeverityTable::classify(std::string_view id, double v) const {
    const SeverityPreset* p = find(id);
    return p ? p->classify(v) : SeverityZone::Unknown;
}

bool SeverityTable::applyCsv(std::string_view text, std::string* error) {
    SeverityTable copy = *this;
    std::size_t lineNo = 0;
    auto fail = [&](const std::string& why) {
        if (error)
            *error = "severity table line " + std::to_string(lineNo) + ": " + why;
        return false;
    };
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineNo;
        if (line.empty() || line.front() == '#')
            continue;
        std::vector<std::string_view> f;
        // The description (7th field) may contain commas: split at most 6 times.
        while (f.size() < 6) {
            const auto c = line.find(',');
            if (c == std::string_view::npos)
                break;
            f.push_back(trim(line.substr(0, c)));
            line = line.substr(c + 1);
        }
        f.push_back(trim(line));
        if (f.size() != 4 && f.size() != 6 && f.size() != 7)
            return fail("expected id,ab,bc,cd[,bandLowHz,bandHighHz[,description]]");
        if (f[0] == "id")
            continue; // header line
        const SeverityPreset* existing = copy.find(f[0]);
        SeverityPreset p = existing ? *existing : SeverityPreset{};
        p.id = std::string(f[0]);
        if (p.id.empty())
            return fail("empty id");
        if (!parseNumber(f[1], p.abMmS) || !parseNumber(f[2], p.bcMmS) || !parseNumber(f[3], p.cdMmS))
            return fail("boundaries must be numbers (mm/s)");
        if (f.size() >= 6 && (!parseNumber(f[4], p.bandLowHz) || !parseNumber(f[5], p.bandHighHz)))
            return fail("band edges must be numbers (Hz)");
        if (f.size() == 7)
            p.description = std::string(f[6]);
        if (!existing)
            p.source = "user";
        else
            p.source = "user override of " + existing->id;
        if (!p.valid())
            return fail("boundaries must satisfy 0 < ab < bc < cd and 0 <= bandLow < bandHigh");
        copy.set(p);
    }
    *this = std::move(copy);
    return true;
}

std::string SeverityTable::toCsv() const {
    std::ostringstream out;
    out << "id,ab,bc,cd,bandLowHz,bandHighHz,description\n";
    for (const auto& p : m_presets)
        out << p.id << ',' << p.abMmS << ',' << p.bcMmS << ',' << p.cdMmS << ',' << p.bandLowHz << ','
            << p.bandHighHz << ',' << p.description << '\n';
    return out.str();
}

} // namespace vibra::dsp
