#!/usr/bin/env bash
# Installs this build into a scratch prefix, builds examples/ as a separate project against
# the installed package (find_package(lpgen)), and runs the example.
#   install_and_build_example.sh <build dir> <source dir>
set -euo pipefail
build=$1
source=$2
prefix="$build/test-install"
rm -rf "$prefix" "$build/test-examples"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$source/examples" -B "$build/test-examples" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$build/test-examples"
"$build/test-examples/two_layers_and_mx_gemm"
