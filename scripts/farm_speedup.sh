#!/usr/bin/env bash
# How much a farm speeds tuning up: the same 8 tasks (4 layers x 1A1W, 2A1W) and trials tuned
# through a one-machine Slurm cluster of 2 nodes (each running the host's measuring process,
# standing in for a board) with --parallel-runs 1 and then 2, each into a fresh database; prints
# both wall times, their ratio and the record counts.
#   scripts/farm_speedup.sh [build dir] [scratch dir] [trials] [samples]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
work=${2:-/tmp/lpgen-farm-speedup}
trials=${3:-3}
samples=${4:-100}
lpgen=$(cd "$build" && pwd)/cli/lpgen
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
trap '"$here/slurm_local_cluster.sh" stop "$work/cluster"' EXIT
SLURM_CONF=$("$here/slurm_local_cluster.sh" start "$work/cluster" 2)
export SLURM_CONF
cp "$here/farm_layers.json" "$work/layers.json"
declare -A seconds
for runs in 1 2; do
    start=$(date +%s.%N)
    "$lpgen" tune --layers "$work/layers.json" --precisions 1A1W,2A1W --trials "$trials" --samples "$samples" \
        --runner slurm:boards --parallel-runs "$runs" --db "$work/runs$runs.db" --out "$work/runs$runs" \
        > "$work/runs$runs.txt" 2>&1
    seconds[$runs]=$(echo "$(date +%s.%N) - $start" | bc)
    records=$(sqlite3 "$work/runs$runs.db" "SELECT count(*) FROM records")
    ok=$(sqlite3 "$work/runs$runs.db" "SELECT count(*) FROM records WHERE verdict = 'ok'")
    nodes=$(sqlite3 "$work/runs$runs.db" "SELECT group_concat(measured_on || ':' || n) FROM (SELECT measured_on, count(*) AS n FROM records GROUP BY measured_on)")
    printf -- "--parallel-runs %d: %6.1f s, %d records (%d ok), per node %s\n" "$runs" "${seconds[$runs]}" "$records" "$ok" "$nodes"
done
echo "ratio (2 / 1): $(echo "scale=3; ${seconds[2]} / ${seconds[1]}" | bc)"
