#!/usr/bin/env python3
"""Prints Google Benchmark JSON results as ratios against the peer.

Benchmarks are named <task>/<implementation>/<size>; in each task the
implementation whose name starts with "peer:" is the reference. A ratio above
1 means faster than the peer (peer time / time)."""
import json
import sys
from collections import defaultdict


def main(paths):
    for path in paths:
        try:
            with open(path) as f:
                results = json.load(f)
        except (OSError, json.JSONDecodeError):
            print(f"\n{path}: no results (filtered out?)")
            continue
        ctx = results["context"]
        print(f"\n{path}: {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
              f"build flags: {ctx.get('repro_flags', 'see run.sh')}")
        times = defaultdict(dict)
        for b in results["benchmarks"]:
            if b.get("run_type") == "aggregate":
                continue
            task, impl, size = b["name"].split("/")[:3]
            times[(task, size)][impl] = (b["real_time"], b.get("time_unit", "ns"))
        for (task, size), impls in sorted(times.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
            peer = next((k for k in impls if k.startswith("peer:")), None)
            if peer is None:
                continue
            peer_time, unit = impls[peer]
            print(f"  {task} n={size}: {peer} {peer_time:.0f} {unit}")
            for impl, (t, _) in impls.items():
                if impl != peer:
                    print(f"    {impl:<34} {peer_time / t:6.2f}x the peer's speed")


if __name__ == "__main__":
    main(sys.argv[1:])
