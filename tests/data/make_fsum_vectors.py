#!/usr/bin/env python3
"""Writes fsum_vectors.txt: adversarial double vectors and their sums by
Python's math.fsum (correctly rounded, round half to even), an oracle for
repro::exact_sum that shares no code with it (tests/test_reduce_exact.cpp).

Each line: the inputs as 16-hex-digit IEEE-754 bit patterns, '=', then the
expected sum. Lines starting with '#' are comments. Every expected value is
also checked here against the exact rational sum (fractions.Fraction) rounded
once. Vectors on which fsum raises OverflowError (an intermediate or final
overflow) are left out: repro's own overflow rules are tested against MPFR.

The output is checked in; run `python3 make_fsum_vectors.py` in this folder
to regenerate it (fixed seed: the same file every time).
"""

import math
import os
import random
import struct
import sys
from fractions import Fraction

SEED = 20240601
DBL_MAX = sys.float_info.max
DBL_MIN = sys.float_info.min  # smallest normal
DENORM_MIN = math.ldexp(1.0, -1074)
LARGEST_SUBNORMAL = DBL_MIN - DENORM_MIN


def bits(x):
    return struct.pack(">d", x).hex()


def from_bits(h):
    return struct.unpack(">d", bytes.fromhex(h))[0]


def random_double(rng, e_lo, e_hi):
    """Random sign and 52-bit fraction, leading bit at 2^e with e in [e_lo, e_hi]."""
    e = rng.randint(e_lo, e_hi)
    m = (1 << 52) | rng.getrandbits(52)
    x = math.ldexp(m, e - 52)  # exact: e_lo >= -1022 keeps it normal
    return -x if rng.getrandbits(1) else x


def random_subnormal(rng):
    x = math.ldexp(rng.randint(1, (1 << 52) - 1), -1074)
    return -x if rng.getrandbits(1) else x


def fixed_vectors():
    ulp1 = 2.0 ** -52
    v = []
    # Catastrophic cancellation.
    v.append([1e308, 1.0, -1e308])
    v.append([1.0, 1e100, 1.0, -1e100])
    v.append([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50])
    v.append([2.0 ** 1000, 2.0 ** -1000, -(2.0 ** 1000)])
    v.append([DBL_MAX, DENORM_MIN, -DBL_MAX])
    v.append([DBL_MAX, -DBL_MAX, 1.0, -DENORM_MIN])
    v.append([1.0, -1.0])  # exact zero: +0
    v.append([0.1] * 10)
    # Ties at the rounding point: round half to even.
    v.append([1.0, 2.0 ** -53])                         # tie, 1 is even: 1
    v.append([1.0, 2.0 ** -53, 2.0 ** -105])             # just above the tie
    v.append([1.0, 2.0 ** -53, -(2.0 ** -105)])          # just below the tie
    v.append([1.0, 2.0 ** -53, DENORM_MIN])              # sticky bit 1074 places down
    v.append([1.0, 2.0 ** -53, -DENORM_MIN])
    v.append([1.0 + ulp1, 2.0 ** -53])                   # tie, odd: rounds up
    v.append([1.0 + ulp1, 2.0 ** -53, -DENORM_MIN])
    v.append([-1.0, -(2.0 ** -53)])
    v.append([-1.0 - ulp1, -(2.0 ** -53)])
    v.append([2.0 ** 53, 1.0])
    v.append([2.0 ** 53 + 2.0, 1.0])
    v.append([2.0 ** 53, 1.0, 1.0])
    # Ties built from many small terms (1 + k * 2^-61).
    v.append([1.0] + [2.0 ** -61] * 256)                 # exactly half an ulp: 1
    v.append([1.0] + [2.0 ** -61] * 257)                 # above: 1 + ulp
    v.append([1.0] + [2.0 ** -61] * 768)                 # 1.5 ulp: to even, 1 + 2 ulp
    v.append([2.0 ** -61] * 300 + [1.0] + [-(2.0 ** -61)] * 44)
    # Subnormal-only inputs and mixes with normals.
    v.append([DENORM_MIN] * 7)
    v.append([DENORM_MIN, -2 * DENORM_MIN, LARGEST_SUBNORMAL])
    v.append([LARGEST_SUBNORMAL, DENORM_MIN])            # reaches the smallest normal
    v.append([DBL_MIN, -DENORM_MIN])                     # back to the largest subnormal
    v.append([DBL_MIN, DENORM_MIN, -DBL_MIN])
    v.append([LARGEST_SUBNORMAL] * 5 + [-DBL_MIN] * 2)
    # Near overflow without an intermediate overflow in fsum.
    v.append([DBL_MAX, 2.0 ** 969])                      # below half an ulp: DBL_MAX
    v.append([DBL_MAX, -(2.0 ** 970)])                   # tie below DBL_MAX: to even
    v.append([DBL_MAX / 2, DBL_MAX / 2])
    v.append([DBL_MAX, -DBL_MAX / 2, -DBL_MAX / 4])
    return v


def random_vectors(rng):
    v = []
    for _ in range(8):  # huge dynamic range, random signs
        n = rng.randint(2, 60)
        v.append([random_double(rng, -1022, 1000) for _ in range(n)])
    for _ in range(6):  # cancellation: pairs x, -x shuffled, plus a few tiny terms
        half = [random_double(rng, -200, 1000) for _ in range(rng.randint(1, 30))]
        tiny = [random_double(rng, -1022, -900) for _ in range(rng.randint(1, 3))]
        xs = half + [-x for x in half] + tiny
        rng.shuffle(xs)
        v.append(xs)
    for _ in range(5):  # subnormal-only
        v.append([random_subnormal(rng) for _ in range(rng.randint(1, 40))])
    for _ in range(5):  # subnormals mixed with small normals
        xs = [random_subnormal(rng) for _ in range(rng.randint(1, 20))]
        xs += [random_double(rng, -1022, -1000) for _ in range(rng.randint(1, 20))]
        rng.shuffle(xs)
        v.append(xs)
    for _ in range(8):  # a tie of a random value, split into pieces, +- a tiny nudge
        a = random_double(rng, -500, 500)
        e = math.frexp(a)[1] - 53  # exponent of a's ulp
        k = rng.randint(1, 6)
        piece = math.copysign(math.ldexp(1.0, e - 1 - k), a)  # 2^k pieces make half an ulp
        xs = [a] + [piece] * (1 << k)
        nudge = rng.choice([0, 1, -1])
        if nudge:
            xs.append(nudge * math.ldexp(1.0, e - 60))
        rng.shuffle(xs)
        v.append(xs)
    for _ in range(6):  # many small terms of similar size
        n = rng.randint(100, 400)
        v.append([abs(random_double(rng, -3, 3)) for _ in range(n)])
    return v


def main():
    rng = random.Random(SEED)
    vectors = fixed_vectors() + random_vectors(rng)
    lines = []
    for xs in vectors:
        try:
            s = math.fsum(xs)
            exact = float(sum(map(Fraction, xs), Fraction(0)))
        except OverflowError:
            continue
        # The oracle must be the correctly rounded exact sum (+0 for zero).
        assert s == exact and (s != 0 or math.copysign(1.0, s) > 0), xs
        line = " ".join(bits(x) for x in xs) + " = " + bits(s)
        assert [from_bits(h) for h in line.split(" = ")[0].split()] == xs
        lines.append(line)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fsum_vectors.txt")
    with open(out, "w") as f:
        f.write("# Generated by make_fsum_vectors.py (seed %d) with Python %s math.fsum; do not edit.\n"
                % (SEED, ".".join(map(str, sys.version_info[:3]))))
        f.write("# inputs as IEEE-754 double bit patterns, '=', the correctly rounded sum.\n")
        for line in lines:
            f.write(line + "\n")
    print("%d vectors written to %s" % (len(lines), out))


if __name__ == "__main__":
    main()
