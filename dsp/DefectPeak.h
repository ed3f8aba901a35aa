// A peak searched near an expected frequency (e.g. a bearing defect frequency) in a density spectrum.
#pragma once

#include <cstddef>
#include <string>

namespace vibra::dsp {

struct DefectPeak {
    std::string name; // "FTF", "BPFO", "BPFI", "BSF", "2xBSF" or caller-defined
    double expectedHz = 0;
    bool found = false; // false when the search window holds no line
    double foundHz = 0; // centre frequency of the peak line
    std::size_t line = 0;
    double psd = 0;         // density at the peak line (unit^2/Hz)
    double localMedian = 0; // median density of the surrounding lines (peak lobe excluded)
    double ratioDb = 0;     // 10 log10(psd / localMedian): height over the local median
};

} // namespace vibra::dsp
