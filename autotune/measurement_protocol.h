// How `lpgen measure-candidate` (cli/measure_candidate.cpp) reports to the tuner's runners
// (runner.cpp): one line, this prefix and a JSON object, among whatever else the process or a
// runner prefix (ssh, qemu) prints.
#pragma once

namespace lpgen {

constexpr const char *kMeasurementPrefix = "lpgen-measurement: ";

}  // namespace lpgen
