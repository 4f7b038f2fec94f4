#!/usr/bin/env bash
# A bundle for configurations no prebuilt kernel has: tune one layer briefly at 3A5W signed x
# bipolar and 8A4W with an activation zero point x signed weights, generate the bundle, and
# check that each entry names its specialised family and kernel, says what it fixed, and
# verifies against the scalar reference with that kernel running (lpgen verify --bundle); then
# the same layer by the default algorithm rule (the int8 dot-product path).
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

# By the default rule the same layer at 8A4W runs the int8 dot-product path: the bundle tunes
# that kernel (an MX int8 family) and still verifies.
"$lpgen" tune --layers "$work/layers.json" --precisions 8A4W:uzxs --trials 2 --samples 1 \
    --db "$work/tune.db" --out "$work/tune"
"$lpgen" generate --layers "$work/layers.json" --precisions 8A4W:uzxs --db "$work/tune.db" --name by_rule \
    --out "$work/by_rule"
grep -qE '"family": "mx_gemm_i(8|16)' "$work/by_rule/manifest.json" || { echo "8A4W did not take the int8 path"; exit 1; }
"$lpgen" verify --bundle "$work/by_rule" | tee "$work/verify_by_rule.txt"
grep -q "1 of 1 entries match" "$work/verify_by_rule.txt"
