#!/usr/bin/env python3
"""Runs lpgen's benchmark suite and writes bench/REPORT.md and its charts (bench/report/*.png).

    python3 scripts/bench_report.py [--build build] [--quick]

Runs build/bench/bitserial_bench, build/bench/mx_bench and build/bench/lowbit_bench single-threaded with Google
Benchmark's JSON output (medians of 5 repetitions, repetitions randomly interleaved so that
the shared machine's slow spells spread over every entry), again with all threads on a subset,
then the Cortex-A53 model
(lpgen model-a53, llvm-mca). Every ratio divides two medians of the same process run.
--quick runs a small subset with short repetitions (to check the plumbing, not for figures).
Needs python3-matplotlib for the charts.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["C%d" % i for i in range(2, 13)]
GEMMS = ["gemm64", "gemm256", "gemm1024", "gemv4096", "gemv11008x4096", "gemv4096x11008", "gemm256x4096"]
BITSERIAL = ["1A1W", "2A1W", "2A2W", "3A3W", "4A4W"]
# MACs per cycle of each precision relative to 1A1W: an aAwW kernel does a*w popcount triples
# per one-bit MAC, so its share of the popcount peak is peak / (a * w).
PLANES = {p: int(p[0]) * int(p[2]) for p in BITSERIAL}
SWEEP = ["%dA%dW" % (a, w) for a in (1, 2, 3, 4, 8) for w in (1, 2, 3, 4, 8)] + ["XNOR", "4A4W:sxs"]
SWEEP_WORKLOADS = ["gemv4096", "gemm1024", "C2", "C5"]
MX_PAIRS = ["MXFP4", "MXFP6", "MXFP6_E3M2", "MXINT8", "FP8aFP4w", "MXFP8", "f32aFP4w"]
LOWBIT_SHAPES = ["llm1x1024x2048", "llm1x4096x4096", "llm1x4096x14336", "llm1x14336x4096", "llm8x4096x4096",
                 "llm128x4096x4096", "gemm1024"]
LOWBIT = ["W1", "ternary", "W2", "W3", "W4", "mxfp4_w4a8", "onednn_s8", "deq_sgemm"]
# Each width's GEMV against the read bound of its own code bytes (ternary: the dense 1.6 bits).
LOWBIT_BOUNDS = [("W2", "bound_W2"), ("W4", "bound_W4"), ("ternary", "bound_ternary")]


PIN = None  # --pin: the CPU single-thread runs are held to


def run_bench(binary, regex, out_json, quick, threads=1, render_only=False):
    # Single-threaded runs interleave repetitions at random (slow spells of the shared machine
    # spread evenly); multi-threaded ones run each benchmark's repetitions back to back, so idle
    # OpenMP workers still spinning after a oneDNN call only touch the next benchmark's start.
    cmd = [binary, "--threads=%d" % threads, "--benchmark_filter=" + regex, "--benchmark_out=" + out_json,
           "--benchmark_out_format=json", "--benchmark_enable_random_interleaving=%s" % str(threads == 1).lower()]
    if quick:
        cmd += ["--benchmark_repetitions=2", "--benchmark_min_time=0.001"]
    if PIN is not None and threads == 1:
        cmd = ["taskset", "-c", PIN] + cmd
    if render_only:
        return cmd
    print("+", " ".join(cmd), flush=True)
    # One-thread peers from process start: idle OpenBLAS/OpenMP workers would otherwise spin.
    n = str(threads if threads > 0 else os.cpu_count())
    env = dict(os.environ, OPENBLAS_NUM_THREADS=n, OMP_NUM_THREADS=n)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return cmd


def medians(json_path):
    """{(workload, variant): (GOPS, label)} from the median aggregates."""
    with open(json_path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median" or b.get("error_occurred"):
            continue
        parts = b["run_name"].split("/")
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "us")]
        out[(parts[0], parts[1])] = (b.get("GOPS", 0.0), b.get("label", ""), b["real_time"] * scale)
    return out, data["context"]


def gops(results, workload, variant):
    v = results.get((workload, variant))
    return v[0] if v else None


def label(results, workload, variant):
    v = results.get((workload, variant))
    return v[1] if v else "not measured"


def micros(results, workload, variant):
    v = results.get((workload, variant))
    return v[2] if v else None


def fmt(x, digits=1):
    return "–" if x is None else ("%.*f" % (digits, x))


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def table(rows, workloads, variants, value):
    head = "| workload | " + " | ".join(variants) + " |\n|---|" + "---|" * len(variants) + "\n"
    body = ""
    for w in workloads:
        cells = [value(w, v) for v in variants]
        if all(c is None for c in cells):
            continue
        body += "| %s | %s |\n" % (w, " | ".join(fmt(c, 2 if isinstance(c, float) and c < 10 else 1) for c in cells))
    return head + body


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d logical cores, %s %s" % (model, os.cpu_count(), platform.system(), platform.release())


def a53_model(build):
    """lpgen model-a53: its table, and {layer: {column: modeled Mcycles}}."""
    json_path = os.path.join(build, "bench", "results", "a53_model.json")
    out = subprocess.run([os.path.join(build, "cli", "lpgen"), "model-a53", "--json", json_path],
                         capture_output=True, text=True, check=True)
    with open(json_path) as f:
        model = json.load(f)
    return out.stdout, {l["layer"]: l["mcycles"] for l in model["layers"]}


def charts(bs, mx, peaks, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("python3-matplotlib is missing: no charts written", file=sys.stderr)
        return []
    os.makedirs(outdir, exist_ok=True)
    written = []
    # Speedup per layer per precision over oneDNN int8 (end-to-end bit-serial columns included).
    series = [("1A1W", bs), ("1A1W+pack", bs), ("2A1W", bs), ("2A1W+pack", bs), ("2A2W", bs), ("MXFP4", mx),
              ("MXINT8", mx)]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / len(series)
    for i, (name, res) in enumerate(series):
        ys = [ratio(gops(res, l, name), gops(res, l, "onednn_s8")) or 0 for l in LAYERS]
        ax.bar([x + i * width for x in range(len(LAYERS))], ys, width, label=name)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(LAYERS))])
    ax.set_xticklabels(LAYERS)
    ax.set_ylabel("speedup over oneDNN int8 (same run)")
    ax.set_title("ResNet-18 layers, single thread")
    ax.legend(ncol=4, fontsize=8)
    path = os.path.join(outdir, "speedup_resnet18.png")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    # Fraction of the measured instruction peak at 1024^3.
    names, fractions = [], []
    for p in BITSERIAL:
        if peaks.get("popcount_mix"):
            names.append(p)
            fractions.append(100 * (gops(bs, "gemm1024", p) or 0) / (peaks["popcount_mix"] / PLANES[p]))
    for name, res, peak in [("MXFP4", mx, "int8_dot"), ("MXINT8", mx, "int8_dot"), ("onednn_s8", bs, "int8_dot"),
                            ("int8 (lpgen)", bs, "int8_dot"), ("openblas_f32", bs, "fp32_fma")]:
        key = "int8" if name.startswith("int8") else name
        if peaks.get(peak):
            names.append(name)
            fractions.append(100 * (gops(res, "gemm1024", key) or 0) / peaks[peak])
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(names, fractions)
    ax.axhline(80, color="red", linewidth=0.8, linestyle="--")
    ax.set_ylabel("% of measured inner-loop peak")
    ax.set_title("GEMM 1024^3, single thread")
    path = os.path.join(outdir, "fraction_of_peak.png")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "REPORT.md"))
    ap.add_argument("--pin", help="run the single-thread benchmarks on this CPU (taskset -c): on a VM whose "
                    "virtual CPUs run at different speeds, one speed for every figure")
    ap.add_argument("--render-only", action="store_true", help="rewrite the report from the last run's JSON files")
    args = ap.parse_args()
    global PIN
    PIN = args.pin
    results_dir = os.path.join(args.build, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)

    layers = "|".join(LAYERS)
    gemms = "|".join(GEMMS)
    if args.quick:
        bs_regex, mx_regex = "^(peak/|C12/|gemm64/)", "^(C12/|gemm64/)"
    else:
        bs_regex = "^(peak/|sweep-|(%s)/|(%s)/)" % (layers, gemms)
        mx_regex = "^((%s)/|(%s|gemv14336x4096)/)" % (layers, gemms)
    bs_json, mx_json = os.path.join(results_dir, "bitserial.json"), os.path.join(results_dir, "mx.json")
    bs_cmd = run_bench(os.path.join(args.build, "bench", "bitserial_bench"), bs_regex, bs_json, args.quick,
                       render_only=args.render_only)
    mx_cmd = run_bench(os.path.join(args.build, "bench", "mx_bench"), mx_regex, mx_json, args.quick,
                       render_only=args.render_only)
    lowbit_json = os.path.join(results_dir, "lowbit.json")
    lowbit_regex = "^(llm1x4096x4096)/" if args.quick else "^(%s)/" % "|".join(LOWBIT_SHAPES)
    lowbit_cmd = run_bench(os.path.join(args.build, "bench", "lowbit_bench"), lowbit_regex, lowbit_json, args.quick,
                           render_only=args.render_only)
    lowbit, _ = medians(lowbit_json)
    bs, context = medians(bs_json)
    mx, _ = medians(mx_json)
    # All threads: the headline precisions and every peer, on the layers and two GEMMs.
    all_threads = os.cpu_count()
    bs_all_json, mx_all_json = os.path.join(results_dir, "bitserial_all.json"), os.path.join(results_dir, "mx_all.json")
    pick = "C12" if args.quick else layers
    bs_all_cmd = run_bench(os.path.join(args.build, "bench", "bitserial_bench"),
                           "^(%s|gemm1024)/(1A1W|2A1W|2A2W|1A1W\\+pack|2A1W\\+pack|int8|onednn_s8|onednn_f32|openblas_f32)/" % pick,
                           bs_all_json, args.quick, threads=0, render_only=args.render_only)
    mx_all_cmd = run_bench(os.path.join(args.build, "bench", "mx_bench"),
                           "^(%s|gemm1024|gemv4096)/(MXFP4|MXINT8|deq_sgemm|onednn_s8)/" % pick, mx_all_json,
                           args.quick, threads=0, render_only=args.render_only)
    bs_all, _ = medians(bs_all_json)
    mx_all, _ = medians(mx_all_json)
    a53_text, a53_layers = a53_model(args.build)
    peaks = {name: gops(bs, "peak", name) for name in ("popcount_mix", "int8_dot", "fp32_fma")}
    peak_loops = {name: label(bs, "peak", name) for name in peaks}
    images = charts(bs, mx, peaks, os.path.join(os.path.dirname(args.out), "report"))
    # The run's start and duration, kept beside its JSON so --render-only reports the run, not itself.
    stamp = os.path.join(results_dir, "run.json")
    if args.render_only:
        with open(stamp) as f:
            run = json.load(f)
        started = datetime.datetime.fromisoformat(run["started"])
        minutes = run["minutes"]
    else:
        minutes = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
        with open(stamp, "w") as f:
            json.dump({"started": started.isoformat(), "minutes": minutes}, f)

    r = []
    r.append("# lpgen benchmark report\n")
    r.append("Generated by `python3 scripts/bench_report.py%s` on %s UTC in %.1f minutes.\n" %
             (" --pin " + PIN if PIN is not None else "", started.strftime("%Y-%m-%d %H:%M"), minutes))
    r.append("- Machine: %s; Google Benchmark reports %s CPUs at %s MHz." %
             (machine(), context.get("num_cpus"), context.get("mhz_per_cpu")))
    r.append("- Single thread everywhere (lpgen, oneDNN with 1 OpenMP thread, OpenBLAS with 1 thread), except the "
             "\"all threads\" section (lpgen `set_num_threads(0)`, peers with as many threads).")
    r.append("- GOPS = 2 x MACs / median time over 5 repetitions; ratios divide medians of the same process run.")
    r.append("- Commands (OPENBLAS_NUM_THREADS and OMP_NUM_THREADS set to the thread count):\n\n```\n%s\n```\n" %
             "\n".join(" ".join(c) for c in (bs_cmd, mx_cmd, lowbit_cmd, bs_all_cmd, mx_all_cmd)))
    if args.quick:
        r.append("**Quick run (`--quick`): plumbing check only, figures are not meaningful.**\n")

    r.append("## Instruction peaks of this CPU (measured, `bench/peak.cpp`)\n")
    r.append("| inner loop | GOPS | used by |\n|---|---|---|")
    for name, used_by in (("popcount_mix", "bit-serial aAwW: peak / (a*w)"),
                          ("int8_dot", "MX int8 path, oneDNN int8, lpgen int8 (MXFP4 on AVX2: 9 multiplies per 32 "
                                       "products where this loop has 16, so it may pass it)"), ("fp32_fma", "fp32")):
        r.append("| %s: %s | %s | %s |" % (name, peak_loops[name], fmt(peaks[name]), used_by))
    r.append("")

    bs_variants = BITSERIAL + ["XNOR", "1A1W+pack", "2A1W+pack", "int16", "int8", "onednn_s8", "onednn_f32",
                               "openblas_f32"]
    r.append("## ResNet-18 conv layers (batch 1), GOPS\n")
    r.append("`+pack` and `XNOR` (bipolar 1A1W) include packing the activations in every call; the other "
             "bit-serial columns take packed activations (packing alone: `pack2A`, µs below).\n")
    r.append(table(bs, LAYERS, bs_variants, lambda w, v: gops(bs, w, v)))
    r.append("\nPacking 2-bit activations alone (`pack2A`, µs per call) against the 1A1W conv (µs):\n")
    r.append("| layer | pack2A µs | 1A1W µs | 1A1W+pack µs | oneDNN int8 µs |\n|---|---|---|---|---|")
    for l in LAYERS:
        if micros(bs, l, "pack2A") is not None:
            r.append("| %s | %s |" % (l, " | ".join(fmt(micros(bs, l, v)) for v in ("pack2A", "1A1W", "1A1W+pack", "onednn_s8"))))
    r.append("\nSpeedup over oneDNN int8 convolution (same run):\n")
    r.append(table(bs, LAYERS, bs_variants, lambda w, v: ratio(gops(bs, w, v), gops(bs, w, "onednn_s8"))))
    r.append("\n## GEMMs (M x N x K), GOPS\n")
    gemm_variants = BITSERIAL + ["int16", "int8", "onednn_s8", "openblas_f32", "bound_w1", "bound_w2", "bound_w4"]
    r.append("M = 1 runs lpgen's GEMV kernels. `bound_wB`: a GEMV's read-bandwidth ceiling with B-bit weights "
             "(its weight bytes streamed once a pass at this working-set size, `bench/bandwidth.cpp`).\n")
    r.append(table(bs, GEMMS, gemm_variants, lambda w, v: gops(bs, w, v)))
    r.append("\nFraction of the measured peak at 1024^3 (bit-serial: of the popcount peak / (a*w)). The peak "
             "loops and the kernels run at different moments of a shared machine whose speed moves by up to "
             "about 20 %, so a fraction slightly above 100 % means the kernel ran at the peak rate:\n")
    r.append("| kernel | GOPS | peak share | fraction |\n|---|---|---|---|")
    for p in BITSERIAL:
        share = peaks["popcount_mix"] / PLANES[p] if peaks["popcount_mix"] else None
        g = gops(bs, "gemm1024", p)
        r.append("| %s | %s | %s | %s %% |" % (p, fmt(g), fmt(share), fmt(100 * ratio(g, share) if ratio(g, share) else None)))
    for name, res, key, peak in [("MXFP4", mx, "MXFP4", "int8_dot"), ("MXINT8", mx, "MXINT8", "int8_dot"),
                                 ("oneDNN int8", bs, "onednn_s8", "int8_dot"), ("lpgen int8", bs, "int8", "int8_dot"),
                                 ("OpenBLAS sgemm", bs, "openblas_f32", "fp32_fma")]:
        g = gops(res, "gemm1024", key)
        r.append("| %s | %s | %s | %s %% |" % (name, fmt(g), fmt(peaks[peak]),
                                             fmt(100 * ratio(g, peaks[peak]) if ratio(g, peaks[peak]) else None)))

    mx_variants = MX_PAIRS + ["deq_sgemm", "int8", "fp32", "onednn_s8"]
    r.append("\n## MX GEMMs and convs, GOPS\n")
    r.append("Weights prepared once (`MxWeights`); activations decoded (or, for `f32aFP4w`, quantized) in every "
             "call. `deq_sgemm`: MXFP4 weights dequantized to fp32 once, then OpenBLAS sgemm/sgemv.\n")
    r.append(table(mx, GEMMS + ["gemv14336x4096"] + LAYERS, mx_variants, lambda w, v: gops(mx, w, v)))
    r.append("\nSpeedup over oneDNN int8 (same run):\n")
    r.append(table(mx, GEMMS + ["gemv14336x4096"] + LAYERS, MX_PAIRS,
                   lambda w, v: ratio(gops(mx, w, v), gops(mx, w, "onednn_s8"))))

    r.append("\n## Low-bit LLM weights x int8 activations, GOPS\n")
    r.append("`lpgen_lowbit_gemm`, group 128, activations quantized per row in the call. W1-W4 and ternary "
             "weight codes; `mxfp4_w4a8`: lpgen's MXFP4 weights x MXINT8 activations; `deq_sgemm`: weights "
             "dequantized to fp32 once, then OpenBLAS. M < 4 runs the packed GEMV (`lowbit_gemv_w*`), larger M "
             "the MX int8 GEMMs.\n")
    r.append(table(lowbit, LOWBIT_SHAPES, LOWBIT, lambda w, v: gops(lowbit, w, v)))
    r.append("\nSpeedup over oneDNN int8 (same run):\n")
    r.append(table(lowbit, LOWBIT_SHAPES, LOWBIT[:-2], lambda w, v: ratio(gops(lowbit, w, v), gops(lowbit, w, "onednn_s8"))))
    r.append("\nGEMVs against the read bound of their code bytes at this working-set size (`bench/bandwidth.cpp`; "
             "the bound and the kernel ran in the same process, their medians move with the shared machine):\n")
    r.append("| shape | " + " | ".join("%s GOPS | %s | fraction" % (w, b) for w, b in LOWBIT_BOUNDS) + " |")
    r.append("|---|" + "---|---|---|" * len(LOWBIT_BOUNDS))
    for shape in LOWBIT_SHAPES:
        if not shape.startswith("llm1x"):
            continue
        pairs = [(gops(lowbit, shape, w), gops(lowbit, shape, b)) for w, b in LOWBIT_BOUNDS]
        if all(g is None for g, _ in pairs):
            continue
        cells = [c for g, bound in pairs for c in (fmt(g), fmt(bound), fmt(ratio(g, bound), 2))]
        r.append("| %s | %s |" % (shape, " | ".join(cells)))

    r.append(sweep(bs, peaks))

    r.append("\n## All threads (%d), GOPS\n" % all_threads)
    r.append("lpgen splits each call's output rows (GEMV: columns) between threads; the peers use their own "
             "threading with the same count.\n")
    bs_all_variants = ["1A1W", "2A1W", "2A2W", "1A1W+pack", "2A1W+pack", "int8", "onednn_s8", "onednn_f32",
                       "openblas_f32"]
    r.append(table(bs_all, LAYERS + ["gemm1024"], bs_all_variants, lambda w, v: gops(bs_all, w, v)))
    r.append("\nSpeedup over oneDNN int8 with the same threads:\n")
    r.append(table(bs_all, LAYERS + ["gemm1024"], bs_all_variants,
                   lambda w, v: ratio(gops(bs_all, w, v), gops(bs_all, w, "onednn_s8"))))
    r.append("\nMX, all threads:\n")
    r.append(table(mx_all, ["gemm1024", "gemv4096"] + LAYERS, ["MXFP4", "MXINT8", "deq_sgemm", "onednn_s8"],
                   lambda w, v: gops(mx_all, w, v)))

    r.append("\n## Cortex-A53 (modeled, not measured)\n")
    r.append("`lpgen model-a53` (the tuner's model runner, `autotune/model.h`): `llvm-mca -mcpu=cortex-a53` over "
             "the hottest inner loop of each default arm64 kernel; cycles per layer = MACs / modeled MACs per "
             "cycle. No caches, no loop-nest overhead: an estimate of the paper's comparison, bit-serial against "
             "int16.\n")
    r.append("```\n" + a53_text.strip() + "\n```\n")
    if a53_layers:
        names = ["1A1W", "2A1W", "2A2W", "int16"]
        r.append("| layer | " + " | ".join("%s Mcycles" % n for n in names) + " | 1A1W vs int16 |")
        r.append("|---|" + "---|" * (len(names) + 1))
        for l in LAYERS:
            cyc = [a53_layers.get(l, {}).get(n) for n in names]
            r.append("| %s | %s | %s |" % (l, " | ".join(fmt(c, 2) for c in cyc),
                                          fmt(ratio(cyc[3], cyc[0]), 2) + "x" if cyc[0] and cyc[3] else "–"))

    r.append("\n## Targets (issue 6)\n")
    r.append(targets(bs, mx, peaks))
    for image in images:
        r.append("\n![%s](%s)" % (os.path.basename(image), os.path.relpath(image, os.path.dirname(args.out))))
    with open(args.out, "w") as f:
        f.write("\n".join(r) + "\n")
    print("wrote", args.out, "and", ", ".join(images))


def algorithm_of(kernel):
    if kernel.startswith("lpgen_mx_"):
        return "int8"
    if "gemv" in kernel:
        return "gemv"
    return "popc" if kernel.startswith("lpgen_bs_") else "?"


def sweep(bs, peaks):
    """The precision sweep: each cell GOPS, the algorithm that ran, x oneDNN int8 in the same run, and
    the fraction of its ceiling (GEMV: the weights' read-bandwidth bound; else the larger of the
    popcount peak / (a*w) and the int8 dot-product peak)."""
    lines = ["\n## Precision sweep (single thread), GOPS\n",
             "Each cell: GOPS, the algorithm the dispatcher chose (`popc`: popcount over bit-planes, `gemv`: "
             "the popcount GEMV kernels, `int8`: the int8 dot-product path), the ratio to oneDNN int8 on the "
             "same shape in the same run, and the fraction of the cell's ceiling: for the GEMV the read-"
             "bandwidth bound of its w-bit weights (`bound_w1`, `_w2`, `_w4` as measured; 3 and 8 bits from "
             "`bound_w4` x 4 / w), else max(popcount peak / (a*w), int8 dot-product peak). Kernel only: activations are packed before the timed loop; weights prepared once.\n",
             "| precision | " + " | ".join(SWEEP_WORKLOADS) + " |", "|---|" + "---|" * len(SWEEP_WORKLOADS)]
    bounds = {w: gops(bs, "gemv4096", "bound_w%d" % w) for w in (1, 2, 4)}

    def gemv_bound(w):
        # Measured at 1, 2 and 4-bit weights (2, 4, 8 MiB); past 4 bits the weights (12, 16 MiB)
        # stream at the 4-bit working set's bandwidth, so the bound scales as 4 / w.
        if w in bounds:
            return bounds[w]
        return bounds[4] * 4 / w if bounds[4] else None
    for p in SWEEP:
        a, w = (1, 1) if p == "XNOR" else (int(p[0]), int(p[2]))
        cells = []
        for wl in SWEEP_WORKLOADS:
            g = gops(bs, "sweep-" + wl, p)
            if g is None:
                cells.append("–")
                continue
            if wl.startswith("gemv"):
                ceiling = gemv_bound(w)
            else:
                pop = peaks["popcount_mix"] / (a * w) if peaks.get("popcount_mix") else None
                ceiling = max(x for x in (pop, peaks.get("int8_dot")) if x is not None) if (pop or peaks.get("int8_dot")) else None
            peer = ratio(g, gops(bs, wl, "onednn_s8"))
            frac = ratio(g, ceiling)
            cells.append("%s %s, %sx, %s%%" % (fmt(g), algorithm_of(label(bs, "sweep-" + wl, p)),
                                               fmt(peer, 2), fmt(100 * frac if frac else None, 0)))
        lines.append("| %s | %s |" % (p, " | ".join(cells)))
    return "\n".join(lines) + "\n"


def targets(bs, mx, peaks):
    lines = []

    def check(ok, text):
        lines.append("- %s %s" % ("**met**" if ok else "**not met**", text))

    for p, goal in (("1A1W+pack", 4.0), ("2A1W+pack", 2.0)):
        rs = [ratio(gops(bs, l, p), gops(bs, l, "onednn_s8")) for l in LAYERS]
        rs = [x for x in rs if x is not None]
        if rs:
            check(min(rs) >= goal, "%s (packing included) >= %.0fx oneDNN int8 on every layer: %.2fx to %.2fx" %
                  (p[:4], goal, min(rs), max(rs)))
            # What this CPU allows at all: the precision's share of the popcount peak, with no
            # packing, padding or output cost, over oneDNN's fastest layer.
            best_peer = max((gops(bs, l, "onednn_s8") or 0) for l in LAYERS)
            if peaks.get("popcount_mix") and best_peer:
                ceiling = peaks["popcount_mix"] / PLANES[p[:4]] / best_peer
                lines.append("  - ceiling on this CPU: %s's share of the popcount peak (%.1f GOPS) is %.2fx oneDNN "
                             "int8's fastest layer (%.1f GOPS)" % (p[:4], peaks["popcount_mix"] / PLANES[p[:4]],
                                                                   ceiling, best_peer))
    r = ratio(gops(mx, "gemm1024", "MXFP4"), gops(mx, "gemm1024", "onednn_s8"))
    if r is not None:
        check(r >= 0.75, "MXFP4 GEMM 1024^3 >= 0.75x oneDNN int8: %.2fx" % r)
        if peaks.get("int8_dot"):
            lines.append("  - MXFP4 at %.0f %% and oneDNN int8 at %.0f %% of the int8 dot-product peak" %
                         (100 * gops(mx, "gemm1024", "MXFP4") / peaks["int8_dot"],
                          100 * gops(mx, "gemm1024", "onednn_s8") / peaks["int8_dot"]))
    if peaks.get("popcount_mix"):
        fr = [(p, ratio(gops(bs, "gemm1024", p), peaks["popcount_mix"] / PLANES[p])) for p in BITSERIAL]
        fr = [(p, x) for p, x in fr if x is not None]
        if fr:
            check(all(x >= 0.8 for _, x in fr), "every bit-serial precision >= 80 % of its popcount peak share at "
                  "1024^3: " + ", ".join("%s %.0f %%" % (p, 100 * x) for p, x in fr))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
