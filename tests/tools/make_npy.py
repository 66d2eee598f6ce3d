#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/fuzz_npy.cpp with NumPy: small .npy
files of every dtype, format version, byte order and memory order the reader
accepts, plus two raw-binary seeds in the fuzzer's own layout (byte 0 the
dtype, byte 1 the number of dimensions, one byte per dimension, the data).

  make_npy.py OUTPUT_DIR        (tests/fuzz/corpus/npy in the repository)
"""
import os
import sys

import numpy as np
from numpy.lib import format as npy_format


def save(directory, name, array, version=None):
    with open(os.path.join(directory, name), "wb") as f:
        if version is None:
            np.save(f, array)
        else:
            npy_format.write_array(f, array, version=version)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    special = [1.0, -0.0, np.inf, np.nan, 1e-45, -2.5]
    save(out, "f4_2x3", np.array(special, "<f4").reshape(2, 3))
    save(out, "f8_be_v2", np.array(special, ">f8"), version=(2, 0))
    save(out, "f2_v3", np.array(special[:4], "<f2"), version=(3, 0))
    save(out, "f4_fortran_2x3x2", np.asfortranarray(np.arange(12, dtype="<f4").reshape(2, 3, 2)))
    save(out, "f2_be_fortran", np.asfortranarray(np.arange(6, dtype=">f2").reshape(3, 2)))
    # bfloat16 bit patterns of 1.0, -2.0 and the next value above 1.0, as uint16
    save(out, "u2_bfloat16", np.array([0x3F80, 0xC000, 0x3F81], "<u2"))
    save(out, "f8_scalar", np.array(3.0, "<f8"))
    save(out, "f4_empty", np.zeros((0, 3), "<f4"))
    # raw: float32 (byte 0 = 2), 2 dimensions 2 x 1, two values
    with open(os.path.join(out, "raw_f4_2x1"), "wb") as f:
        f.write(bytes([2, 2, 2, 1]) + np.array([1.0, -2.0], "<f4").tobytes())
    # raw: bfloat16 (byte 0 = 1), 1 dimension of 3
    with open(os.path.join(out, "raw_bf16_3"), "wb") as f:
        f.write(bytes([1, 1, 3]) + np.array([0x3F80, 0xC000, 0x3F81], "<u2").tobytes())


if __name__ == "__main__":
    main()
