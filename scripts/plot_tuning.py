#!/usr/bin/env python3
"""Draws the chart of `lpgen tune`: for each layer x precision, the best time found so far
against the number of trials, relative to the profile's default configuration (1.0 = default).

    python3 scripts/plot_tuning.py tuning.json tuning.png
"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source) as f:
        run = json.load(f)
    fig, ax = plt.subplots(figsize=(10, 5.5))
    for task in run["tasks"]:
        base = task.get("default_cost")
        if not base:
            continue
        xs, ys = [], []
        for i, best in enumerate(task["best_so_far"]):
            if best is not None and not (isinstance(best, float) and math.isnan(best)):
                xs.append(i + 1)
                ys.append(base / best)
        if xs:
            ax.plot(xs, ys, marker=".", label=f'{task["layer"]} {task["precision"]}')
    ax.axhline(1.0, color="gray", linewidth=0.8)
    what = "modeled cycles" if run.get("modeled") else "measured time"
    ax.set_title(f'lpgen tune, {run["profile"]} ({run["runner"]}): best so far vs default ({what})')
    ax.set_xlabel("trials")
    ax.set_ylabel("speedup over the default configuration")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main()
