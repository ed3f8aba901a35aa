#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vibra::service {

/// The TOML configuration file of `vibrascope serve` (docs/service.md, "Configuration file"), read into the
/// command-line options it stands for, so the file and the command line share one set of checks and CLI
/// flags override the file option by option. Checks here: TOML syntax, unknown keys and tables, value
/// types; every error names FILE:LINE and the key. Value ranges are checked by the option parser, whose
/// messages the caller maps back to the setting's FILE:LINE (origin()).
///
/// Plain C++ (toml++) so the loader can be fuzzed (tests/fuzz/fuzz_config.cpp).
/// Threads: a plain value; any thread.
class ConfigFile {
public:
    struct Setting {
        std::string option; ///< the long command-line option, e.g. "db", "read-token"
        std::string value;  ///< its value ("" for a flag)
        std::string key;    ///< the TOML key as written, e.g. "http.max_body", "triggers[1]"
        int line = 0;
        bool flag = false;     ///< a switch (--raw): present when true in the file
        bool fromFile = false; ///< value is a path whose first line is the value (token_file)
    };

    /// Parses text (path only names it in messages). False when anything is wrong; every problem is in
    /// errors() as "PATH:LINE: key 'K': reason".
    bool parse(std::string_view text, const std::string& path);
    /// Reads the file, parses it and resolves *_file keys (token files). False with errors().
    bool load(const std::string& path);

    const std::vector<Setting>& settings() const { return m_settings; }
    const std::vector<std::string>& errors() const { return m_errors; }
    const std::string& path() const { return m_path; }
    /// "PATH:LINE: key 'K'" for a setting.
    std::string origin(const Setting& s) const;

private:
    void error(int line, const std::string& key, const std::string& what);
    bool resolveFiles();

    std::string m_path;
    std::vector<Setting> m_settings;
    std::vector<std::string> m_errors;
};

} // namespace vibra::service
