#!/usr/bin/env bash
# lpgen tune on a farm, on this machine: a one-machine Slurm cluster (slurmctld, two "board"
# nodes and a build node, scripts/slurm_local_cluster.sh) and a pool of command prefixes standing
# in for boards reached over ssh. Checks, with --parallel-runs 2:
#   - every candidate measured once (records = tasks x trials, none twice), on both nodes;
#   - a node killed mid-run: its candidate measured again on the other node, nothing lost;
#   - the tuner itself killed mid-run: the rerun resumes, no record lost or repeated;
#   - a job past its Slurm time limit recorded as "timeout"; cancelled jobs stop the tuner;
#   - compiles on the build partition, lpgen copied into the job with sbcast;
#   - a pool of two boards never measures two candidates on one board at once (each board's
#     prefix takes a lock that fails when held), and its records say which board;
#   - records of both farms merged with --import, a re-import adding nothing, and generate
#     taking the best whichever host made it, naming where it was measured.
#   farm_tuning.sh <lpgen> <scratch dir> <slurm_local_cluster.sh>
set -euo pipefail
lpgen=$1
work=$2
cluster=$3
for tool in slurmctld slurmd munged srun sqlite3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install_deps.sh installs it)"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
trap '"$cluster" stop "$work/cluster"' EXIT
SLURM_CONF=$("$cluster" start "$work/cluster" 2 1)
export SLURM_CONF

# Three layers of the farm set (scripts/farm_layers.json): two convolutions and a GEMM.
python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); j["layers"] = j["layers"][:3]; print(json.dumps(j))' \
    "$(dirname "$cluster")/farm_layers.json" > "$work/layers.json"
trials=3
records() { sqlite3 "$1" "SELECT count(*) FROM records"; }
# How many exported records share a candidate's identity with another (none may).
repeated() {
    python3 -c 'import json, sys
ids = [tuple(r[k] for k in ("op", "shape", "precision", "profile", "runner", "knobs", "sources_hash"))
       for r in map(json.loads, open(sys.argv[1]))]
print(len(ids) - len(set(ids)))' "$1"
}
# Always called in a subshell (with & or in a pipeline): exec makes that subshell the tuner, so
# $! is the tuner's pid and kill -TERM reaches it (a signalled bash subshell dies and leaves its
# child running, which then raced the records counted after the kill).
tune_slurm() {  # tune_slurm PRECISIONS ARGS...
    local precisions=$1
    shift
    exec "$lpgen" tune --layers "$work/layers.json" --precisions "$precisions" --trials $trials --samples 40 \
        --runner slurm:boards --parallel-runs 2 "$@"
}
tasks() { grep -c '"best_knobs"' "$1"; }

echo "== Slurm: two nodes, a node killed mid-run =="
tune_slurm 1A1W,2A1W --db "$work/slurm.db" --out "$work/slurm" --export "$work/slurm.jsonl" > "$work/slurm.txt" 2>&1 &
tuner=$!
# Wait for a measurement running on n1, then kill that node (slurmd and the step it runs).
for _ in $(seq 1200); do
    "$cluster" running "$work/cluster" n1 && break
    sleep 0.05
done
"$cluster" running "$work/cluster" n1 || { echo "no measurement ran on n1"; cat "$work/slurm.txt"; exit 1; }
"$cluster" kill-node "$work/cluster" n1
wait $tuner || { echo "the tuner failed after the node was killed"; cat "$work/slurm.txt"; exit 1; }
cat "$work/slurm.txt"
n_tasks=$(tasks "$work/slurm/tuning.json")
[ "$(records "$work/slurm.db")" = $((n_tasks * trials)) ] || { echo "records != tasks x trials"; exit 1; }
[ "$(repeated "$work/slurm.jsonl")" = 0 ] || { echo "a candidate recorded twice"; exit 1; }
[ "$(sqlite3 "$work/slurm.db" "SELECT count(*) FROM records WHERE verdict != 'ok'")" = 0 ]
grep -q "measured again after: node n1 failed" "$work/slurm/tuning.json" || { echo "no candidate retried after n1 failed"; exit 1; }
# n1 back for what follows.
slurmd -f "$SLURM_CONF" -N n1
scontrol update nodename=n1 state=resume 2>/dev/null || true
for _ in $(seq 100); do sinfo -h -n n1 -t idle -o %N | grep -q n1 && break; sleep 0.2; done

echo "== Slurm: the tuner killed mid-run, then resumed =="
tune_slurm 1A1W,2A1W --db "$work/resume.db" --out "$work/resume" > "$work/resume1.txt" 2>&1 &
tuner=$!
for _ in $(seq 600); do
    [ "$(records "$work/resume.db" 2>/dev/null || echo 0)" -ge 3 ] && break
    sleep 0.1
done
kill -TERM $tuner
wait $tuner || true
before=$(records "$work/resume.db")
[ "$before" -lt "$((n_tasks * trials))" ] || { echo "the tuner finished before it was killed"; exit 1; }
tune_slurm 1A1W,2A1W --db "$work/resume.db" --out "$work/resume" | tee "$work/resume2.txt"
[ "$(records "$work/resume.db")" = $((n_tasks * trials)) ] || { echo "records lost or repeated on resume"; exit 1; }
[ "$(grep -o '"resumed": true' "$work/resume/tuning.json" | wc -l)" = "$before" ] ||
    { echo "the rerun did not take the $before finished records as they were"; exit 1; }
for node in n1 n2; do
    [ "$(sqlite3 "$work/resume.db" "SELECT count(*) FROM records WHERE measured_on = '$node'")" -gt 0 ] ||
        { echo "nothing measured on $node"; exit 1; }
done

echo "== Slurm: jobs cancelled mid-run stop the tuner, with nothing recorded for them =="
tune_slurm 1A1W --db "$work/cancel.db" --out "$work/cancel" > "$work/cancel.txt" 2>&1 &
tuner=$!
for _ in $(seq 1200); do
    { "$cluster" running "$work/cluster" n1 || "$cluster" running "$work/cluster" n2; } && break
    sleep 0.05
done
scancel --partition=boards --state=RUNNING
status=0
wait $tuner || status=$?
cat "$work/cancel.txt"
[ $status = 2 ] || { echo "the tuner went on (exit $status) after its jobs were cancelled"; exit 1; }
grep -q "the job was cancelled" "$work/cancel.txt"
[ "$(sqlite3 "$work/cancel.db" "SELECT count(*) FROM records WHERE verdict != 'ok'")" = 0 ] ||
    { echo "a cancelled job was recorded against its candidate"; exit 1; }

echo "== Slurm: compiles on the build partition, lpgen copied with sbcast =="
tune_slurm 1A1W --db "$work/sbcast.db" --out "$work/sbcast" --slurm-copy sbcast --build-partition builds |
    tee "$work/sbcast.txt"
[ "$(sqlite3 "$work/sbcast.db" "SELECT count(*) FROM records WHERE verdict = 'ok'")" = $(($(tasks "$work/sbcast/tuning.json") * trials)) ]
ls /tmp/lpgen-*-lpgen 2>/dev/null && { echo "sbcast copies left on the node"; exit 1; }

echo "== Slurm: a job past its time limit =="
# 3000 samples of 50 ms: 150 s, past the one-minute limit Slurm gives a 5 s --run-timeout.
python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); j["layers"] = j["layers"][:1]; print(json.dumps(j))' \
    "$work/layers.json" > "$work/one_layer.json"
"$lpgen" tune --layers "$work/one_layer.json" --precisions 1A1W --trials 1 --samples 3000 --sample-seconds 0.05 \
    --run-timeout 5 --runner slurm:boards --db "$work/limit.db" --out "$work/limit" | tee "$work/limit.txt"
[ "$(sqlite3 "$work/limit.db" "SELECT count(*) FROM records WHERE verdict = 'timeout' AND detail LIKE '%time limit%'")" = \
    "$(tasks "$work/limit/tuning.json")" ] || { echo "no timeout record"; sqlite3 "$work/limit.db" "SELECT verdict, detail FROM records"; exit 1; }

echo "== A pool of two boards without Slurm =="
# Each "board" is a prefix that holds its lock while it measures: a second candidate on the same
# board at once would fail to take it, and its record would not be ok.
board_a="flock -n $work/board-a.lock env LPGEN_BOARD=a"
board_b="flock -n $work/board-b.lock env LPGEN_BOARD=b"
"$lpgen" tune --layers "$work/layers.json" --precisions 1A1W,2A1W --trials $trials --samples 40 \
    --runner "$board_a" --runner "$board_b" --parallel-runs 2 --db "$work/pool.db" --out "$work/pool" \
    --export "$work/pool.jsonl" | tee "$work/pool.txt"
[ "$(records "$work/pool.db")" = $((n_tasks * trials)) ]
[ "$(sqlite3 "$work/pool.db" "SELECT count(*) FROM records WHERE verdict != 'ok'")" = 0 ] ||
    { echo "two candidates on one board at once"; sqlite3 "$work/pool.db" "SELECT detail FROM records WHERE verdict != 'ok'"; exit 1; }
for board in "$board_a" "$board_b"; do
    [ "$(sqlite3 "$work/pool.db" "SELECT count(*) FROM records WHERE measured_on LIKE '%($board)'")" -gt 0 ] ||
        { echo "nothing measured on $board"; exit 1; }
done
[ "$(sqlite3 "$work/pool.db" "SELECT DISTINCT runner FROM records")" = "pool:command:$board_a + command:$board_b" ]

echo "== Records of both farms in one database =="
# Each import into the tuner that made the records: every task is complete, nothing is measured.
merge() {  # merge RECORDS RUNNER-ARGS...
    local records=$1
    shift
    "$lpgen" tune --layers "$work/layers.json" --precisions 1A1W,2A1W --trials $trials --db "$work/merged.db" \
        --out "$work/merged" --import "$records" "$@"
}
merge "$work/slurm.jsonl" --runner slurm:boards
merge "$work/pool.jsonl" --runner "$board_a" --runner "$board_b"
merge "$work/slurm.jsonl" --runner slurm:boards | tee "$work/merge3.txt"
grep -q "imported 0 records from $work/slurm.jsonl ($((n_tasks * trials)) already present)" "$work/merge3.txt" ||
    { echo "a re-import added records"; exit 1; }
[ "$(records "$work/merged.db")" = $((2 * n_tasks * trials)) ]
"$lpgen" generate --layers "$work/layers.json" --precisions 1A1W,2A1W --db "$work/merged.db" --name farm \
    --out "$work/bundle"
grep -o '"source": "tuned: [^"]*"' "$work/bundle/manifest.json" | tee "$work/sources.txt"
[ "$(wc -l < "$work/sources.txt")" -ge 1 ]
grep -v -q ' on \(n1\|n2\|[^,]*(flock[^,]*)\), ' "$work/sources.txt" && { echo "a source without where it was measured"; exit 1; }
echo "farm tuning: all checks passed"
