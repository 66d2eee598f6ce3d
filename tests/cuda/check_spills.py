#!/usr/bin/env python3
"""Fails when ptxas reports register spills in repro's matrix-product kernels.

    check_spills.py --nvcc NVCC --source FILE [--arch sm_80 ...] [--match TEXT ...] -- [nvcc arguments]

Compiles FILE once per architecture with -Xptxas -v and reads, for every
kernel whose mangled name contains one of the --match texts (default: the
portable tile kernel and the tensor-core kernel), the "bytes spill stores /
loads" that ptxas prints. A spill in these kernels moves accumulators of the
inner loop to local memory: a large slowdown that no bit would show.
Exit 0 when none spills, 1 when one does, 2 on a build error.
"""
import argparse
import re
import subprocess
import sys


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--nvcc", default="nvcc")
    p.add_argument("--source", required=True)
    p.add_argument("--arch", action="append", default=[])
    p.add_argument("--match", action="append", default=[])
    p.add_argument("rest", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    archs = a.arch or ["sm_80", "sm_90"]
    matches = a.match or ["gemm_tiles", "tensor_core"]
    extra = a.rest[1:] if a.rest[:1] == ["--"] else a.rest
    failed, seen = False, 0
    for arch in archs:
        cmd = [a.nvcc, f"-arch={arch}", "-O3", "-Xptxas", "-v", "-c", a.source, "-o", "/dev/null", *extra]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            print(f"check_spills: build failed for {arch}")
            return 2
        kernel = None
        for line in r.stderr.splitlines():
            m = re.search(r"Function properties for (\S+)", line)
            if m:
                kernel = m.group(1) if any(t in m.group(1) for t in matches) else None
                continue
            m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
            if m and kernel:
                seen += 1
                if int(m.group(1)) or int(m.group(2)):
                    failed = True
                    print(f"SPILL {arch}: {m.group(1)} B stores, {m.group(2)} B loads in {kernel}")
                kernel = None
    if seen == 0:
        print("check_spills: no kernel matched " + ", ".join(matches))
        return 1
    print(f"check_spills: {'FAIL' if failed else 'PASS'}: {seen} kernels on {', '.join(archs)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
