// Table of severity presets: built-in defaults (ISO 10816-3 groups 1/2 x rigid/flexible, ISO 10816-1 classes
// I-IV; values from secondary sources, see docs/dsp.md section "Severity") that the user can override or
// extend from a CSV text:  id,ab,bc,cd[,bandLowHz,bandHighHz[,description]]   ('#' starts a comment line).
// Threading: a plain value; not synchronised (build it once, then share read-only).
#pragma once

#include "dsp/SeverityPreset.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::dsp {

class SeverityTable {
public:
    // The built-in presets.
    static SeverityTable defaults();

    const std::vector<SeverityPreset>& presets() const { return m_presets; }
    const SeverityPreset* find(std::string_view id) const;
    // Inserts or replaces (by id). Returns false (and leaves the table unchanged) for an invalid preset.
    bool set(const SeverityPreset& preset);

    // Applies CSV overrides. On any error nothing is changed, false is returned and *error (if given) says
    // which line and why.
    bool applyCsv(std::string_view text, std::string* error = nullptr);
    // The table as CSV in the same format (round-trips through applyCsv).
    std::string toCsv() const;

    // Convenience: zone of a velocity for preset `id`; Unknown when the id does not exist.
    SeverityZone classify(std::string_view id, double velocityRmsMmS) const;

private:
    std::vector<SeverityPreset> m_presets;
};

} // namespace vibra::dsp
