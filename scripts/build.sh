#!/usr/bin/env bash
# Configures and builds everything: generators, x86 and ARM kernels, runtime, tests, benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
