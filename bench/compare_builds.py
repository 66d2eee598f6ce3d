#!/usr/bin/env python3
"""Times repro's benchmarks from two builds side by side (a change against the
code before it): each binary of both builds runs in turn, `--rounds` times,
and the faster run of each cell counts. Prints new/old time per repro cell
(below 1: the change made it faster).

  python3 bench/compare_builds.py OLD_BUILD NEW_BUILD [--rounds 2] [--only] [--filter bench_reduce=REGEX ...]

OLD_BUILD and NEW_BUILD are build folders configured with
-DREPRO_BUILD_BENCHMARKS=ON (their bench/ holds the binaries).
"""
import argparse
import collections
import json
import os
import subprocess

DEFAULT_FILTERS = {
    "bench_reduce": r"(sum|dot)_(float|double)/repro_.*/(16384|1048576)",
    "bench_math": r".*repro.*",
    "bench_random": r".*repro.*",
    "bench_nn": r".*repro.*",
    "bench_linalg": r"(matmul_k1024_n1024_t1|linear_k1024_n1024_t1|matmul_k1024_n10_t1)/repro.*/(1|8|64)$",
    "bench_compare": r".*repro.*",
}


def run(binary, regex):
    out = subprocess.run([binary, "--benchmark_filter=" + regex, "--benchmark_format=json",
                          "--benchmark_min_time=0.1"], capture_output=True, text=True).stdout
    if not out.strip():  # no benchmark matched
        return {}
    return {b["name"]: b["real_time"] for b in json.loads(out)["benchmarks"]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--filter", action="append", default=[], metavar="BINARY=REGEX")
    p.add_argument("--only", action="store_true", help="run only the binaries named by --filter")
    a = p.parse_args()
    filters = {} if a.only else dict(DEFAULT_FILTERS)
    for f in a.filter:
        name, _, regex = f.partition("=")
        filters[name] = regex
    times = collections.defaultdict(lambda: {"old": [], "new": []})
    for _ in range(a.rounds):
        for binary, regex in filters.items():
            for side, build in (("old", a.old), ("new", a.new)):
                path = os.path.join(build, "bench", binary)
                for name, t in run(path, regex).items():
                    times[name][side].append(t)
    print(f"{'benchmark':64s} {'old':>12s} {'new':>12s}  new/old")
    for name, t in times.items():
        if t["old"] and t["new"]:
            o, n = min(t["old"]), min(t["new"])
            print(f"{name:64s} {o:12.1f} {n:12.1f}  {n / o:5.2f}")


if __name__ == "__main__":
    main()
