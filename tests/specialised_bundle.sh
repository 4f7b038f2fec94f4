#!/usr/bin/env bash
# A bundle for configurations no prebuilt kernel has: tune one layer briefly at 3A5W signed x
# bipolar and 8A4W with an activation zero point x signed weights, generate the bundle, and
# check that each entry names its specialised family and kernel, says what it fixed, and
# verifies against the scalar reference with that kernel running (lpgen verify --bundle); then
# the same layer tuned under both algorithms, generate keeping the faster (or a board's record).
#   specialised_bundle.sh <lpgen> <scratch dir>
set -euo pipefail
lpgen=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cat > "$work/layers.json" <<'JSON'
{"layers": [{"name": "L1", "op": "conv2d", "height": 9, "width": 7, "channels": 70, "out_channels": 24,
             "kernel": 3, "stride": 1, "pad": 1}]}
JSON
precisions=3A5W:sxb,8A4W:uzxs
# Popcount kernels for both (both would take the int8 path by the default rule): tuned and
# generated with the algorithm forced, verified without it: a bundle's kernel generated for a
# configuration serves that configuration whatever the rule says.
LPGEN_BITSERIAL_ALGORITHM=popcount "$lpgen" tune --layers "$work/layers.json" --precisions "$precisions" \
    --trials 2 --samples 1 --db "$work/tune.db" --out "$work/tune"
LPGEN_BITSERIAL_ALGORITHM=popcount "$lpgen" generate --layers "$work/layers.json" --precisions "$precisions" \
    --db "$work/tune.db" --name unusual --out "$work/bundle"
manifest="$work/bundle/manifest.json"
cat "$manifest"
for expected in '"family": "bs_conv2d_f32@3A5W:sxb"' '"function": "unusual_L1_3A5W_sxb_bs_conv2d_f32_3A5W_sxb"' \
    '"specialised": "3-bit signed activations x 5-bit bipolar weights, no zero points, int32 sums"' \
    '"family": "bs_conv2d_f32@8A4W:uzxs"' \
    '"specialised": "8-bit unsigned activations x 4-bit signed weights, an activation zero point, int32 sums"'; do
    grep -qF "$expected" "$manifest" || { echo "manifest lacks $expected"; exit 1; }
done
"$lpgen" verify --bundle "$work/bundle" | tee "$work/verify.txt"
grep -q "2 of 2 entries match" "$work/verify.txt"

# Unforced, each precision is tuned under both algorithms (a task for its popcount kernel and
# one for the int8 path's MX kernel); generate keeps the faster and the manifest says which.
"$lpgen" tune --layers "$work/layers.json" --precisions 8A4W:uzxs,2A2W:sxs --trials 2 --samples 1 \
    --db "$work/both.db" --out "$work/tune_both" --export "$work/both.jsonl" | tee "$work/tune_both.txt"
for algorithm in popcount int8-dot; do
    [ "$(grep -c "\"algorithm\": \"$algorithm\"" "$work/tune_both/tuning.json")" = 2 ] ||
        { echo "not two $algorithm tasks"; exit 1; }
done
grep -q "algorithm per layer x precision" "$work/tune_both.txt"
# The int8 task's MX kernel per precision (AVX2 gives 2A2W the narrow one, VNNI the same as 8A4W).
int8_family_of() {
    python3 -c 'import json, sys
tasks = json.load(open(sys.argv[1]))["tasks"]
print(next(t["family"] for t in tasks if t.get("algorithm") == "int8-dot" and t["precision"] == sys.argv[2]))' \
        "$work/tune_both/tuning.json" "$1"
}
# A board's record: precision, MX family, median.
board_record() {
    grep "\"op\":\"$2\"" "$work/both.jsonl" | grep "\"precision\":\"$1\"" | grep '"verdict":"ok"' | head -1 |
        sed -e 's/"runner":"host"/"runner":"command:ssh pi@board"/' -e "s/\"median_s\":[0-9.e+-]*/\"median_s\":$3/"
}
# A board's record (standing in for one where the int8 path is faster) makes int8-dot win at
# 2A2W, where the built-in rule takes popcount: the bundle registers that choice, and verify
# checks that the call then runs the bundle's MX kernel.
family_2a2w=$(int8_family_of 2A2W:sxs)
family_8a4w=$(int8_family_of 8A4W:uzxs)
board_record 2A2W:sxs "$family_2a2w" 1e-09 > "$work/board.jsonl"
[ -s "$work/board.jsonl" ] || { echo "no int8-dot record at 2A2W:sxs"; cat "$work/both.jsonl"; exit 1; }
# And one (slower than 2A2W's) making int8-dot win at 8A4W too. Where both calls land on the same
# MX kernel and GEMM shape, which the registry holds once, the bundle must give them one kernel
# (the faster record's) and verify must see each call run it.
board_record 8A4W:uzxs "$family_8a4w" 2e-09 >> "$work/board.jsonl"
[ "$(wc -l < "$work/board.jsonl")" = 2 ] || { echo "no int8-dot record at 8A4W:uzxs"; cat "$work/both.jsonl"; exit 1; }
"$lpgen" tune --layers "$work/layers.json" --precisions 8A4W:uzxs,2A2W:sxs --trials 2 --samples 1 \
    --db "$work/both.db" --out "$work/tune_both" --import "$work/board.jsonl"
"$lpgen" generate --layers "$work/layers.json" --precisions 8A4W:uzxs,2A2W:sxs --db "$work/both.db" --name both \
    --out "$work/both"
cat "$work/both/manifest.json"
grep -q '"algorithm": "int8-dot"' "$work/both/manifest.json" || { echo "2A2W did not keep int8-dot"; exit 1; }
grep -q '"algorithm_family": "bs_conv2d_f32@2A2W:sxs"' "$work/both/manifest.json"
# Each entry's family is its algorithm's: an MX kernel for int8-dot, the configuration's own for popcount.
[ "$(grep -c '"algorithm": "' "$work/both/manifest.json")" = 2 ]
[ "$(grep -c '"algorithm": "int8-dot"' "$work/both/manifest.json")" = 2 ] || { echo "8A4W did not keep int8-dot"; exit 1; }
if [ "$family_2a2w" = "$family_8a4w" ]; then
    grep -q 'shared with L1 2A2W:sxs' "$work/both/manifest.json" || { echo "8A4W does not share 2A2W's kernel"; exit 1; }
else
    ! grep -q 'shared with' "$work/both/manifest.json" || { echo "kernels of different families shared"; exit 1; }
fi
"$lpgen" verify --bundle "$work/both" | tee "$work/verify_both.txt"
grep -q "2 of 2 entries match" "$work/verify_both.txt"
