#include "exporting/ExportLayout.h"

#include "core/Unit.h"

#include <algorithm>

namespace vibra::exporting {

ExportLayout ExportLayout::of(const std::vector<storage::StoredDevice>& devices) {
    ExportLayout l;
    bool sameNames = true, sameUnit = true;
    for (const auto& d : devices) {
        l.axes = std::max(l.axes, d.axes);
        sameNames = sameNames && d.axisNames == devices.front().axisNames;
        sameUnit = sameUnit && d.unit == devices.front().unit;
    }
    l.unit = devices.empty() ? "g" : (sameUnit ? devices.front().unit : "m/s2");
    l.convertedUnits = !sameUnit;
    for (int a = 0; a < l.axes; ++a)
        l.axisNames.push_back(sameNames && !devices.empty() &&
                                      a < static_cast<int>(devices.front().axisNames.size())
                                  ? devices.front().axisNames[a]
                                  : "a" + std::to_string(a));
    return l;
}

double ExportLayout::scaleFor(const storage::StoredDevice& d) const {
    return d.unit == unit ? 1.0 : core::kStandardGravity; // only g -> m/s2 occurs
}

bool ExportLayout::chooseDevices(storage::Database& db, const std::vector<std::string>& names,
                                 std::vector<storage::StoredDevice>* out, std::string* error) {
    std::string err;
    const auto all = storage::RollupCursor::listDevices(db, &err);
    if (!err.empty()) {
        *error = err;
        return false;
    }
    out->clear();
    for (const auto& d : all)
        if (names.empty() || std::find(names.begin(), names.end(), d.name) != names.end())
            out->push_back(d);
    for (const auto& name : names)
        if (std::none_of(out->begin(), out->end(), [&](const auto& d) { return d.name == name; })) {
            *error = "no device '" + name + "' in '" + db.path() + "'";
            return false;
        }
    return true;
}

} // namespace vibra::exporting
