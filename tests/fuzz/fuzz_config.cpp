// libFuzzer target: bytes -> ConfigFile::parse (backend/service, toml++), the `serve --config` loader.
// Invariants: no crash/UB/hang; success and errors are exclusive; every error names the file; every setting
// maps to a command-line option with a line inside the text.
#include "service/ConfigFile.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    vibra::service::ConfigFile f;
    const bool ok = f.parse(text, "fuzz.toml");
    if (ok != f.errors().empty())
        std::abort();
    for (const auto& e : f.errors())
        if (e.rfind("fuzz.toml:", 0) != 0)
            std::abort();
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& s : f.settings())
        if (s.option.empty() || s.line < 1 || s.line > lines)
            std::abort();
    return 0;
}
