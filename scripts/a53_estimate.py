#!/usr/bin/env python3
"""Estimates Cortex-A53 throughput of generated arm64 kernels with llvm-mca's in-order A53 model.

For each kernel it takes the hottest innermost loop of the emitted assembly (the self-looping
block with the most multiply or popcount work), asks `llvm-mca -mcpu=cortex-a53` for its cycles
per iteration, counts the multiply-accumulates one iteration performs from its instructions,
and reports MACs per cycle. This models the steady-state inner loop only: no cache misses, no
loop-nest or epilogue overhead. It is an estimate, not a measurement.

usage: a53_estimate.py KERNEL_DIR  (the arm64-a53 folder of build/kernels)
"""
import os
import re
import subprocess
import sys

# Lanes of multiply-accumulate per instruction, by mnemonic and arrangement.
MAC_LANES = {
    ("smlal", "4s"): 4, ("smlal2", "4s"): 4, ("umlal", "4s"): 4, ("umlal2", "4s"): 4,
    ("smull", "4s"): 4, ("smull2", "4s"): 4, ("smull", "8h"): 8, ("smull2", "8h"): 8,
    ("smlal", "8h"): 8, ("smlal2", "8h"): 8, ("mul", "4s"): 4, ("mla", "4s"): 4, ("mla", "8h"): 8,
    ("fmla", "4s"): 4, ("sdot", "4s"): 16, ("udot", "4s"): 16,
}
LABEL = re.compile(r"^(\.LBB\d+_\d+):")
BRANCH = re.compile(r"^\s*b(\.\w+)?\s+(\.LBB\d+_\d+)")


def self_loops(lines):
    """Yields (label, body lines) for every basic block that branches back to itself."""
    label, body = None, []
    for line in lines:
        m = LABEL.match(line)
        if m:
            label, body = m.group(1), []
            continue
        if label is None:
            continue
        stripped = line.split("//")[0].rstrip()
        if not stripped.strip() or stripped.strip().startswith("."):
            continue
        body.append(stripped)
        b = BRANCH.match(stripped)
        if b and b.group(2) == label:
            yield label, list(body)


def macs_per_iteration(body, abits, wbits):
    macs = 0
    for line in body:
        parts = line.split()
        op = parts[0]
        arrangement = re.search(r"v\d+\.(\w+)", line)
        lanes = MAC_LANES.get((op, arrangement.group(1) if arrangement else ""), 0)
        macs += lanes
        if op == "cnt":  # 128 bit pairs of one plane pair per cnt.16b
            macs += 128 / (abits * wbits)
    return macs


def cycles_per_iteration(body, mca):
    text = "\n".join(body) + "\n"
    out = subprocess.run([mca, "-mtriple=aarch64", "-mcpu=cortex-a53", "-iterations=200"],
                         input=text, capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    return total / 200.0


def estimate(path, abits, wbits, mca):
    with open(path) as f:
        lines = f.readlines()
    # The steady-state loop: most work per iteration; among equals (a kernel's specialized and
    # guarded paths), the one with the fewest instructions per MAC.
    best = None
    for label, body in self_loops(lines):
        macs = macs_per_iteration(body, abits, wbits)
        if macs and (best is None or (macs, -len(body) / macs) > (best[1], -len(best[0]) / best[1])):
            best = (body, macs)
    if best is None:
        raise SystemExit(f"{path}: no inner loop with multiply or popcount work found")
    body, macs = best
    cycles = cycles_per_iteration(body, mca)
    return cycles, macs, macs / cycles


def main():
    kdir = sys.argv[1]
    mca = os.environ.get("LLVM_MCA", "llvm-mca-14")
    kernels = [
        ("int16 conv2d (baseline)", "lpgen_base_conv2d_i16__arm64_a53.s", 0, 0),
        ("int8 conv2d", "lpgen_base_conv2d_i8__arm64_a53.s", 0, 0),
        ("1A1W conv2d", "lpgen_bs_conv2d_i32_a1w1__arm64_a53.s", 1, 1),
        ("2A1W conv2d", "lpgen_bs_conv2d_i32_a2w1__arm64_a53.s", 2, 1),
        ("2A2W conv2d", "lpgen_bs_conv2d_i32_a2w2__arm64_a53.s", 2, 2),
        ("1A1W gemm", "lpgen_bs_gemm_i32_a1w1__arm64_a53.s", 1, 1),
        ("int16 gemm (baseline)", "lpgen_base_gemm_i16__arm64_a53.s", 0, 0),
    ]
    print("Cortex-A53 inner-loop estimate (llvm-mca -mcpu=cortex-a53; modeled, not measured)")
    print(f"{'kernel':26}{'cycles/iter':>12}{'MACs/iter':>11}{'MACs/cycle':>12}{'vs int16':>10}")
    base = None
    for name, file, abits, wbits in kernels:
        cycles, macs, rate = estimate(os.path.join(kdir, file), max(abits, 1), max(wbits, 1), mca)
        if base is None:
            base = rate
        print(f"{name:26}{cycles:12.1f}{macs:11.0f}{rate:12.2f}{rate / base:9.2f}x")


if __name__ == "__main__":
    main()
