#pragma once
// JSON test documents for tst_decode_json (kept out of the Q_OBJECT file: moc cannot tokenize them).
#include <QStringList>
#include <utility>
#include <vector>

inline QStringList jsonTestDocs() {
    return {

        R"({"a":1,"b":[true,false,null],"c":"x\u00e9\ud83d\ude00"})",
        R"([1,2.5,-3e2,0,-0])",
        R"("\"\\\/\b\f\n\r\t")",
        R"({"values":[0.1,9.8,-0.2],"timestamp":3925657519043709,"accuracy":2})",
        R"( { } )",
        R"([])",
        R"([01])",
        R"({"a":1,})",
        R"([1 2])",
        R"({"a" 1})",
        R"("abc)",
        R"([1.])",
        R"([.5])",
        R"(tru)",
        R"({"a":1}x)",
        R"(["\x"])",
        R"(["\ud800"])",
        R"([1e999])",
        R"()",
        R"(nul)",
        R"([-])",
        R"(["a	b"])"};
}

inline std::vector<std::pair<const char*, const char*>> jsonBlockBadDocs() {
    return {
        {"not json", "{"},
        {"array", "[1]"},
        {"no rate", R"({"v":1,"seq":1,"first":0,"samples":[[1]]})"},
        {"bad version", R"({"v":2,"seq":1,"first":0,"rate_hz":1,"samples":[[1]]})"},
        {"both data and samples",
         R"({"v":1,"seq":1,"first":0,"rate_hz":1,"samples":[[1]],"data":"AAAA","fmt":"i16"})"},
        {"ragged", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"samples":[[1,2],[3]]})"},
        {"4 axes", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"samples":[[1,2,3,4]]})"},
        {"bad base64", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"fmt":"i16","data":"A*AA"})"},
        {"partial sample", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"fmt":"i16","data":"AAAA"})"},
        {"n mismatch", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"n":3,"samples":[[1]]})"},
        {"negative seq", R"({"v":1,"seq":-1,"first":0,"rate_hz":1,"samples":[[1]]})"},
        {"string value", R"({"v":1,"seq":1,"first":0,"rate_hz":1,"samples":[["1"]]})"},
        {"zero rate", R"({"v":1,"seq":1,"first":0,"rate_hz":0,"samples":[[1]]})"},
    };
}

inline const char* kSensorDoc0 = R"({"values":[0.123,9.81,-0.5],"timestamp":3925657519043709,"accuracy":2})";
inline const char* kSensorDoc1 =
    R"({"type":"android.sensor.accelerometer","values":[1],"timestamp":1,"accuracy":3})";
inline const char* kSensorDoc2 = R"({"values":[],"timestamp":1})";
inline const char* kSensorDoc3 = R"({"values":[1,2],"timestamp":1.5})";
inline const char* kSensorDoc4 = R"({"values":[1,2,3,4],"timestamp":1})";
inline const char* kSensorDoc5 = R"({"values":[1],"timestamp":5})";
