#!/usr/bin/env python3
"""Draws the chart of `lpgen demo` / `lpgen bench --out`: speedup of each precision over each
baseline, per layer, from the results.json the command wrote.

    python3 scripts/plot_demo.py results.json speedup.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BASELINES = ("onednn-int8", "int8", "int16", "fp32")


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source) as f:
        run = json.load(f)
    seconds = {(r["layer"], r["precision"]): r["median_s"] for r in run["results"]}
    layers = list(dict.fromkeys(r["layer"] for r in run["results"]))
    names = list(dict.fromkeys(r["precision"] for r in run["results"]))
    baselines = [b for b in BASELINES if b in names]
    precisions = [p for p in names if p not in baselines]
    fig, axes = plt.subplots(len(baselines), 1, figsize=(11, 3.6 * len(baselines)), squeeze=False)
    width = 0.8 / max(1, len(precisions))
    for ax, base in zip(axes[:, 0], baselines):
        for i, p in enumerate(precisions):
            xs = [li + (i - (len(precisions) - 1) / 2) * width for li in range(len(layers))]
            ys = [seconds[(l, base)] / seconds[(l, p)] for l in layers]
            ax.bar(xs, ys, width, label=p)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(layers)))
        ax.set_xticklabels(layers)
        ax.set_ylabel("speedup over %s" % base)
        ax.set_yscale("log", base=2)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(ncol=len(precisions), fontsize=8)
    axes[0, 0].set_title("lpgen %s, %s, %d thread(s): time per call of the %s baseline / lpgen's (higher is faster)"
                         % (run["lpgen"], run["isa"], run["threads"], "/".join(baselines)), fontsize=9)
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main()
