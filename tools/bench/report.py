#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Merge benchmark results into one report: a table on stdout with ratios to
plain TCP, build/bench/report.json, and an SVG chart drawn by gnuplot.

Each benchmark writes DIR/bench-NAME.json: {"benchmark", "what", "kernel",
"scenarios": [{"name", "transport", "mode", "bytes", "seconds", "mb_per_s",
"sender_cpu_s", "system_cpu_s"}, ...]}. Later benchmarks add their files;
this script takes every one it finds, so they share the report.
"""
import glob
import json
import os
import subprocess
import sys


def load(directory):
    benches = []
    for path in sorted(glob.glob(os.path.join(directory, "bench-*.json"))):
        with open(path) as f:
            benches.append(json.load(f))
    return benches


def derive(bench):
    """Add CPU per byte and ratios to the bench's TCP send() scenario."""
    base = next((s for s in bench["scenarios"] if s["name"] == "tcp"), None)
    for s in bench["scenarios"]:
        s["sender_cpu_ns_per_byte"] = 1e9 * s["sender_cpu_s"] / s["bytes"]
        s["system_cpu_ns_per_byte"] = 1e9 * s["system_cpu_s"] / s["bytes"]
    for s in bench["scenarios"]:
        if base and base["mb_per_s"]:
            s["throughput_vs_tcp"] = s["mb_per_s"] / base["mb_per_s"]
        # Scenarios that did not measure CPU (pipes) have no CPU ratio.
        if base and base["system_cpu_ns_per_byte"]:
            s["system_cpu_vs_tcp"] = (s["system_cpu_ns_per_byte"] /
                                      base["system_cpu_ns_per_byte"])


def table(bench):
    print("== %s: %s (kernel %s) ==" % (bench["benchmark"], bench["what"],
                                       bench["kernel"]))
    print("%-18s %9s %9s %12s %12s %9s %9s" % (
        "scenario", "MB/s", "x TCP", "sender ns/B", "system ns/B",
        "x TCP", "seconds"))
    for s in bench["scenarios"]:
        extra = ""
        if "link_pct" in s:
            extra += " %.1f %% of the link" % s["link_pct"]
        if "spread_s" in s:
            extra += " median of %d runs, spread %.2f s" % (s["runs"],
                                                           s["spread_s"])
        if "seconds_lost" in s:
            extra += " %.1f s lost" % s["seconds_lost"]
        if "items_per_s" in s:
            extra += " %.0f items/s, %.4f ack frames/item" % (
                s["items_per_s"], s["ack_frames_per_item"])
        print("%-18s %9.1f %9.2f %12.2f %12.2f %9.2f %9.2f%s" % (
            s["name"], s["mb_per_s"], s.get("throughput_vs_tcp", 0),
            s["sender_cpu_ns_per_byte"], s["system_cpu_ns_per_byte"],
            s.get("system_cpu_vs_tcp", 0), s["seconds"], extra))


def chart(benches, directory):
    data = os.path.join(directory, "report.dat")
    svg = os.path.join(directory, "report.svg")
    with open(data, "w") as f:
        for b in benches:
            for s in b["scenarios"]:
                f.write('"%s/%s" %.1f %.2f\n' % (
                    b["benchmark"], s["name"], s["mb_per_s"],
                    s["system_cpu_ns_per_byte"]))
    script = """
set terminal svg size 900,480 dynamic font "sans,11"
set output '%s'
set title "msgpipe benchmarks (higher MB/s, lower ns/B is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30
set ylabel "MB/s"
set y2label "system CPU ns per byte"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top right
plot '%s' using 2:xtic(1) title "throughput (MB/s)" axes x1y1, \\
     '' using 3 title "system CPU (ns/B)" axes x1y2
""" % (svg, data)
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: no chart (%s)" % e, file=sys.stderr)
        return None
    return svg


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    benches = load(directory)
    if not benches:
        print("report: no bench-*.json in %s" % directory, file=sys.stderr)
        return 1
    for b in benches:
        derive(b)
        table(b)
    out = os.path.join(directory, "report.json")
    with open(out, "w") as f:
        json.dump({"benchmarks": benches}, f, indent=2)
    svg = chart(benches, directory)
    print("report: %s%s" % (out, ", " + svg if svg else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
