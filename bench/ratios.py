#!/usr/bin/env python3
"""Prints Google Benchmark JSON results as ratios against the peer.

Benchmarks are named <task>/<implementation>/<size>; in each task the
implementations whose names start with "peer:" are the references, and the
others are compared with the fastest of them (and, where there are several,
with each). A ratio above 1 means faster
than that peer (peer time / time). With --benchmark_repetitions the median
is used."""
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
        medians = set()
        for b in results["benchmarks"]:
            aggregate = b.get("run_type") == "aggregate"
            if aggregate and b.get("aggregate_name") != "median":
                continue
            task, impl, size = b.get("run_name", b["name"]).split("/")[:3]
            if (task, impl, size) in medians:
                continue
            if aggregate:
                medians.add((task, impl, size))
            times[(task, size)][impl] = (b["real_time"], b.get("time_unit", "ns"))
        for (task, size), impls in sorted(times.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
            peers = {k: v for k, v in impls.items() if k.startswith("peer:")}
            if not peers:
                continue
            peer = min(peers, key=lambda k: peers[k][0])
            peer_time, unit = impls[peer]
            others = ", ".join(f"{k} {v[0]:.0f}" for k, v in peers.items() if k != peer)
            print(f"  {task} n={size}: {peer} {peer_time:.0f} {unit}" + (f" (fastest; {others})" if others else ""))
            for impl, (t, _) in impls.items():
                if impl not in peers:
                    print(f"    {impl:<34} {peer_time / t:6.2f}x the peer's speed")
                    if len(peers) > 1:
                        each = ", ".join(f"{k[5:]} {v[0] / t:.2f}x" for k, v in peers.items())
                        print(f"      against each peer: {each}")


if __name__ == "__main__":
    main(sys.argv[1:])
