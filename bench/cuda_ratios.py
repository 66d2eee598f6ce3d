#!/usr/bin/env python3
"""Prints repro's speed against a peer, per benchmark argument, from Google
Benchmark console output (or --benchmark_format=json output) of the CUDA
benchmarks.

    cuda_ratios.py FILE... [--pair REPRO=PEER]... [--arg NAME]

Each pair names two benchmark functions (the part before the first "/"); for
every argument both ran with, it prints "REPRO M: x.xx x PEER", the peer's time
over repro's (above 1: repro is faster). With --benchmark_repetitions the
median is used. Without --pair, the pairs of bench_cuda_linalg are used.
"""
import argparse
import json
import re
import sys

LINALG_PAIRS = [
    ("repro_portable_f32", "cublas_sgemm"),
    ("repro_tensor_core_tf32", "cublas_sgemm"),
    ("repro_tensor_core_tf32", "cublas_tf32"),
    ("repro_portable_bf16", "cublas_bf16"),
    ("repro_tensor_core_bf16", "cublas_bf16"),
]

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SKIP_PARTS = re.compile(r"^(manual_time|real_time|process_time|(iterations|repeats|min_time|threads):.*)$")
AGGREGATE = re.compile(r"_(mean|median|stddev|cv)$")
CONSOLE = re.compile(r"^(\S+)\s+([\d.]+(?:e[+-]?\d+)?)\s*(ns|us|ms|s)\b")


def split_name(full):
    """(function, args, aggregate) of a run name such as f/64/manual_time_median."""
    m = AGGREGATE.search(full)
    aggregate = m.group(1) if m else None
    if m:
        full = full[: m.start()]
    parts = full.split("/")
    args = "/".join(p for p in parts[1:] if not SKIP_PARTS.match(p))
    return parts[0], args, aggregate


def read(path):
    """{(function, args): seconds}, medians winning over single runs."""
    with open(path) as f:
        text = f.read()
    rows = []
    if text.lstrip().startswith("{"):
        for b in json.loads(text).get("benchmarks", []):
            agg = b.get("aggregate_name") if b.get("run_type") == "aggregate" else None
            fn, args, _ = split_name(b.get("run_name", b["name"]))
            rows.append((fn, args, agg, b["real_time"] * UNIT.get(b.get("time_unit", "ns"), 1e-9)))
    else:
        for line in text.splitlines():
            m = CONSOLE.match(line)
            if not m:
                continue
            fn, args, agg = split_name(m.group(1))
            rows.append((fn, args, agg, float(m.group(2)) * UNIT[m.group(3)]))
    times = {}
    for fn, args, agg, seconds in rows:
        if agg not in (None, "median"):
            continue
        if agg is None and (fn, args) in times and times[(fn, args)][1]:
            continue  # a median already stands for this one
        times[(fn, args)] = (seconds, agg == "median")
    return {k: v[0] for k, v in times.items()}


def arg_key(args):
    return [int(a) if a.lstrip("-").isdigit() else a for a in args.split("/")] if args else []


def report(times, pairs, label):
    lines = []
    for repro, peer in pairs:
        args = sorted({a for (fn, a) in times if fn == repro and (peer, a) in times}, key=arg_key)
        for a in args:
            ratio = times[(peer, a)] / times[(repro, a)]
            where = f" {label} = {a}" if a else ""
            lines.append(f"{repro}{where}: {ratio:.2f}x {peer}")
    return lines


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--pair", action="append", default=[], metavar="REPRO=PEER")
    parser.add_argument("--arg", default="M", help="what the benchmark argument is called (default M)")
    a = parser.parse_args(argv)
    pairs = [tuple(p.split("=", 1)) for p in a.pair] if a.pair else LINALG_PAIRS
    if any(len(p) != 2 for p in pairs):
        parser.error("--pair takes REPRO=PEER")
    for path in a.files:
        try:
            times = read(path)
        except (OSError, ValueError) as e:
            print(f"{path}: no results ({e})")
            continue
        lines = report(times, pairs, a.arg)
        print(f"{path}:" if lines else f"{path}: no pair ran")
        for line in lines:
            print("  " + line)


if __name__ == "__main__":
    main(sys.argv[1:])
