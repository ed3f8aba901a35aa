#include "decode/IsoTime.h"

namespace vibra::decode {

namespace {

// Reads exactly n digits at text[pos].
bool digits(std::string_view text, std::size_t& pos, int n, int& out) {
    if (pos + static_cast<std::size_t>(n) > text.size())
        return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
        const char c = text[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    out = v;
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c)
        return false;
    ++pos;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

int daysInMonth(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

} // namespace

bool parseIsoTime(std::string_view text, std::int64_t& utcNs) {
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits(text, pos, 4, y) || !expect(text, pos, '-') || !digits(text, pos, 2, mo) ||
        !expect(text, pos, '-') || !digits(text, pos, 2, d))
        return false;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
        return false;
    ++pos;
    if (!digits(text, pos, 2, h) || !expect(text, pos, ':') || !digits(text, pos, 2, mi))
        return false;
    std::int64_t fractionNs = 0;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!digits(text, pos, 2, s))
            return false;
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
            ++pos;
            std::int64_t scale = 100'000'000;
            const std::size_t start = pos;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                fractionNs += (text[pos] - '0') * scale;
                scale /= 10;
                ++pos;
            }
            if (pos == start)
                return false;
        }
    }
    int offsetMinutes = 0;
    if (pos < text.size()) {
        const char z = text[pos];
        if (z == 'Z' || z == 'z') {
            ++pos;
        } else if (z == '+' || z == '-') {
            ++pos;
            int oh = 0, om = 0;
            if (!digits(text, pos, 2, oh))
                return false;
            if (pos < text.size() && text[pos] == ':')
                ++pos;
            if (!digits(text, pos, 2, om) || oh > 23 || om > 59)
                return false;
            offsetMinutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
        }
    }
    // 64-bit nanoseconds since 1970 span 1677-09-21 .. 2262-04-11: whole years inside that
    if (pos != text.size() || y < 1678 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) ||
        h > 23 || mi > 59 || s > 60)
        return false;
    const std::int64_t secs =
        daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - std::int64_t{offsetMinutes} * 60;
    utcNs = secs * 1'000'000'000 + fractionNs;
    return true;
}

} // namespace vibra::decode
