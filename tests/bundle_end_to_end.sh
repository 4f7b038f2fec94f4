#!/usr/bin/env bash
# A user's path from tuning to a linked program, against an installed lpgen: install into a
# scratch prefix, tune one layer briefly, build a project whose CMakeLists calls
# lpgen_add_bundle() (generating the bundle at build time), run it, and verify the bundle.
#   bundle_end_to_end.sh <build dir> <source dir>
set -euo pipefail
build=$1
source=$2
prefix="$build/test-bundle-install"
work="$build/test-bundle"
rm -rf "$prefix" "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >/dev/null
layers="$source/tests/bundle_consumer/layers.json"
"$prefix/bin/lpgen" tune --layers "$layers" --precisions 1A1W --trials 3 --samples 1 \
    --db "$work/tune.db" --out "$work/tune"
cmake -S "$source/tests/bundle_consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DLPGEN_TUNING_DB="$work/tune.db" >/dev/null
cmake --build "$work/build"
cat "$work/build/tuned/manifest.json"
"$work/build/consumer"
"$prefix/bin/lpgen" verify --bundle "$work/build/tuned"
# Without any tuning record the bundle holds an empty table, and every layer keeps its default.
"$prefix/bin/lpgen" generate --layers "$layers" --precisions 1A1W --db "$work/no-such.db" --name untuned \
    --out "$work/untuned"
"$prefix/bin/lpgen" verify --bundle "$work/untuned"
