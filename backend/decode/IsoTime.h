#pragma once

#include <cstdint>
#include <string_view>

namespace vibra::decode {

/// Parses an ISO-8601 date-time: YYYY-MM-DD, 'T' or one space, hh:mm[:ss[.fraction]], then 'Z', +hh:mm,
/// +hhmm, -hh:mm or nothing (read as UTC), into UTC nanoseconds since the Unix epoch (fraction digits beyond
/// nanoseconds are ignored). Years 1678..2261 (what 64-bit nanoseconds since 1970 can hold). Returns false on
/// anything else. Pure, any thread.
bool parseIsoTime(std::string_view text, std::int64_t& utcNs);

} // namespace vibra::decode
