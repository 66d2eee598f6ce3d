#!/usr/bin/env python3
"""End-to-end test of repro-diff: arrays written by NumPy (float16,
bfloat16 as uint16/int16, float32, float64, big-endian, Fortran order,
raw binary, corrupt files), the tool's text and --json output, and its exit
codes: 0 match, 1 differ, 2 usage error or unreadable input.

  test_repro_diff.py PATH_TO_REPRO_DIFF

Exits 77 (ctest's SKIP_RETURN_CODE) when NumPy is missing.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: test skipped")
    sys.exit(77)

TOOL = None
DIR = None
failures = []


def check(condition, what, detail=""):
    if not condition:
        failures.append(what)
        print(f"FAIL: {what}\n{detail}")


def path(name):
    return os.path.join(DIR, name)


def save(name, array):
    np.save(path(name), array)
    return path(name)


def run(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def expect(args, rc, out=(), err=(), what=None):
    """Runs the tool; checks the exit code and that stdout/stderr contain the given strings."""
    what = what or " ".join(os.path.basename(a) if a.startswith(DIR) else a for a in args)
    code, stdout, stderr = run(*args)
    detail = f"exit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}"
    check(code == rc, f"{what}: exit code {code}, expected {rc}", detail)
    for s in (out,) if isinstance(out, str) else out:
        check(s in stdout, f"{what}: stdout lacks {s!r}", detail)
    for s in (err,) if isinstance(err, str) else err:
        check(s in stderr, f"{what}: stderr lacks {s!r}", detail)
    if rc == 2:
        check(stderr.startswith("repro-diff: "), f"{what}: error message on stderr", detail)
        check("Traceback" not in stderr and "Sanitizer" not in stderr, f"{what}: a clean error", detail)
    return stdout


def expect_json(args, rc, what=None):
    stdout = expect(["--json", *args], rc, what=what)
    try:
        return json.loads(stdout)
    except ValueError as e:
        check(False, f"{what or args}: --json output is not JSON ({e})", stdout)
        return {}


def next_up(x):
    return np.nextafter(x, x.dtype.type(np.inf))


def test_float32():
    a = (np.arange(12, dtype=np.float32).reshape(3, 4) / 7).astype(np.float32)
    b = a.copy()
    b[1, 2] = next_up(b[1, 2])
    fa, fb = save("f32_a.npy", a), save("f32_b.npy", b)
    expect([fa, fa], 0, ["0 of 12 float values differ", "[bitwise]", "result: match"])
    expect([fa, fb], 1, ["1 of 12 float values differ", "max 1 ULP at [6]", "worst ULP distance 1 at [6]",
                         "in shape (3, 4): [6] = (1, 2)", "result: differ"])
    expect(["--ulp", "0", fa, fb], 1, "[ulp <= 0]")
    expect(["--ulp", "1", fa, fb], 0, ["0 of 12 float values differ (0%) [ulp <= 1]", "result: match"])
    expect([fa, fb, "--ulp=1"], 0, what="options after the files, --opt=value")
    expect(["--", fa, fb], 1, what="-- ends the options")
    # close: a relative difference of ~1e-7
    expect(["--rtol", "1e-6", fa, fb], 0, "close: rtol 1e-06, atol 0")
    expect(["--rtol", "1e-9", fa, fb], 1)
    expect(["--atol", "1e-6", fa, fb], 0)
    expect(["--close", fa, fb], 0, "close: rtol 1.3e-06, atol 1e-05")
    # the listed mismatches: values with round-trip digits and their bits
    out = expect([fa, fb], 1)
    check("(0x" in out and "actual " in out and "expected " in out, "values print with their bits", out)

    j = expect_json([fa, fb], 1)
    check(j.get("match") is False and j.get("mismatches") == 1 and j.get("count") == 12, "json: counts", j)
    check(j.get("worst_ulp") == {"value": 1, "index": 6, "at": [1, 2]}, "json: worst_ulp", j)
    check(j.get("tolerance") == {"mode": "bitwise"}, "json: tolerance", j)
    check(j.get("compared_as") == "float32" and j.get("batch") is None, "json: compared_as, batch", j)
    check(j["actual"]["shape"] == [3, 4] and j["actual"]["format"] == "npy 1.0", "json: input", j)
    w = j["worst"][0]
    check(w["index"] == 6 and w["at"] == [1, 2] and w["ulp"] == 1, "json: worst list", j)
    check(np.float32(w["actual"]) == a[1, 2] and np.float32(w["expected"]) == b[1, 2], "json: exact values", j)
    check(w["expected_bits"] == "0x%08x" % b.view(np.uint32)[1, 2], "json: bits", j)
    j = expect_json(["--ulp", "3", fa, fb], 0)
    check(j.get("match") is True and j.get("tolerance") == {"mode": "ulp", "max_ulp": 3}, "json: ulp match", j)
    j = expect_json(["--rtol", "0.5", "--atol", "0.25", fa, fb], 0)
    check(j.get("tolerance") == {"mode": "close", "rtol": 0.5, "atol": 0.25}, "json: close tolerance", j)


def test_float64_and_byte_order():
    a = np.linspace(-1, 1, 10)
    b = a.copy()
    b[3] = next_up(next_up(b[3]))
    fa, fb = save("f64_a.npy", a), save("f64_b.npy", b)
    expect([fa, fb], 1, ["1 of 10 double values differ", "max 2 ULP at [3]"])
    expect(["--ulp", "2", fa, fb], 0)
    big = save("f64_big.npy", a.astype(">f8"))
    expect([big, fa], 0, ["'>f8'", "big-endian", "result: match"])
    f4big = save("f32_big.npy", np.arange(5, dtype=">f4"))
    f4little = save("f32_little.npy", np.arange(5, dtype="<f4"))
    expect([f4big, f4little], 0)


def test_float16():
    a = np.array([1.0, 65504.0, -2.0, 6e-8, 0.1], np.float16)
    b = a.copy()
    b[1] = np.float16(65472.0)  # one float16 step below 65504 (32 apart; 8192 float32 steps)
    fa, fb = save("f16_a.npy", a), save("f16_b.npy", b)
    out = expect([fa, fb], 1, ["compared as float16: ULPs are float16 steps", "1 of 5 float16 values differ",
                               "max 1 ULP at [1]", "worst abs diff 32 at [1]"])
    check("8192 ULP" not in out, "float16 ULPs are not float32 ULPs", out)
    expect(["--ulp", "1", fa, fb], 0)
    j = expect_json([fa, fb], 1)
    check(j.get("compared_as") == "float16" and j["worst_ulp"]["value"] == 1, "json: float16", j)
    check(j["worst"][0]["actual"] == 65504.0 and j["worst"][0]["actual_bits"] == "0x7bff", "json: float16 values", j)
    v3 = path("f16_v3.npy")
    with open(v3, "wb") as f:
        np.lib.format.write_array(f, a, version=(3, 0))
    expect([v3, fa], 0, ".npy 3.0")
    v2 = path("f16_v2.npy")
    with open(v2, "wb") as f:
        np.lib.format.write_array(f, a.astype(">f2"), version=(2, 0))
    expect([v2, fa], 0, [".npy 2.0", "big-endian"])


def bfloat16_bits(x):
    """float32 -> bfloat16 bit patterns (round to nearest even), as uint16."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def test_bfloat16():
    a = bfloat16_bits([1.0, -2.0, 3.140625, 0.5])
    b = a.copy()
    b[2] += 1  # one bfloat16 step
    fa, fb = save("bf16_a.npy", a), save("bf16_b.npy", b)
    expect([fa, fb], 2, err=["unsupported dtype '<u2' (unsigned integer, 2 bytes)", "bfloat16"])
    expect(["--bfloat16", fa, fb], 1, ["'<u2' read as bfloat16 bits", "compared as bfloat16",
                                       "1 of 4 bfloat16 values differ", "max 1 ULP at [2]"])
    expect(["--bfloat16", "--ulp", "1", fa, fb], 0)
    # PyTorch's x.view(torch.int16).numpy() gives int16
    ia, ib = save("bf16_i_a.npy", a.view(np.int16)), save("bf16_i_b.npy", b.view(np.int16))
    expect(["--bfloat16", ia, ib], 1, "max 1 ULP at [2]")
    j = expect_json(["--bfloat16", ia, ib], 1)
    check(j.get("compared_as") == "bfloat16" and j["worst"][0]["actual"] == 3.140625, "json: bfloat16", j)
    # raw bfloat16
    ra, rb = path("bf16_a.bin"), path("bf16_b.bin")
    a.tofile(ra)
    b.tofile(rb)
    expect(["--raw", "bfloat16", "--shape", "2,2", ra, rb], 1, ["raw 'bfloat16'", "max 1 ULP at [2]"])
    expect(["--raw", "bf16", "--shape", "2,2", "--batch-axis", ra, rb], 1, "max 1 ULP at [2] (row 1, col 0)")


def test_fortran_order():
    c = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    f = np.asfortranarray(c)
    fc, ff = save("c_order.npy", c), save("f_order.npy", f)
    expect([ff, fc], 0, ["Fortran order (read in C order)", "result: match"])
    g = f.copy(order="F")
    g[1, 2, 3] = next_up(g[1, 2, 3])
    fg = save("f_order_changed.npy", g)
    expect([fg, fc], 1, ["max 1 ULP at [23]", "[23] = (1, 2, 3)"])
    j = expect_json([fg, fc], 1)
    check(j["worst_ulp"]["at"] == [1, 2, 3] and j["actual"]["fortran_order"] is True, "json: Fortran index", j)
    # 2-D, one change at (0, 2)
    c2 = np.arange(6, dtype=np.float64).reshape(2, 3)
    f2 = np.asfortranarray(c2.copy())
    f2[0, 2] = 7.0
    expect([save("f2d.npy", f2), save("c2d.npy", c2), "--batch-axis"], 1,
           ["[2] (row 0, col 2)", "differing rows: 0"])


def test_nan_and_inf():
    a = np.array([np.nan, 1.0, np.inf, -0.0], np.float32)
    fa = save("nan_a.npy", a)
    expect([fa, fa], 0)
    expect(["--ulp", "0", fa, save("nan_zero.npy", np.array([np.nan, 1.0, np.inf, 0.0], np.float32))], 0,
           what="ulp mode: +0 == -0, NaN == NaN")
    expect([fa, path("nan_zero.npy")], 1, "1 of 4 float values differ", what="bitwise: -0 != +0")
    b = np.array([1.0, 1.0, 5.0, -0.0], np.float32)
    out = expect(["--ulp", "4", fa, save("nan_b.npy", b)], 1, ["NaN mismatches 1, Inf mismatches 1", "ULP n/a (NaN)"])
    j = expect_json(["--ulp", "4", fa, path("nan_b.npy")], 1)
    nan_row = [w for w in j["worst"] if w["index"] == 0]
    check(nan_row and nan_row[0]["actual"] is None and nan_row[0]["ulp"] is None
          and nan_row[0]["actual_bits"] == "0x7fc00000", "json: NaN is null with its bits", j)
    check(j["nan_mismatches"] == 1 and j["inf_mismatches"] == 1, "json: NaN/Inf counts", j)


def test_batch_invariance_workflow():
    """batch 1 vs batch N: the outputs of 8 samples run one at a time
    (stacked) and in one batch of 8, identical but for one value of sample 5,
    1 ULP apart; then one ULP that flips sample 2's argmax."""
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((8, 10)).astype(np.float32)
    b1 = np.stack([logits[i] for i in range(8)])  # each sample's output at batch size 1
    bn = logits.copy()                             # the batch of 8
    bn[5, 3] = next_up(bn[5, 3])
    f1, fn = save("b1.npy", b1), save("bN.npy", bn)
    expect(["--batch-axis", "--ulp", "0", f1, fn], 1,
           ["batch axis: 8 rows (samples) of 10 values", "rows (samples): 1 of 8 differ; worst row 5 (1 values)",
            "argmax differs in 0 rows", "differing rows: 5", "[53] (row 5, col 3)", "1 ULP", "result: differ"])
    expect(["--batch-axis", "--ulp", "1", f1, fn], 0, "rows (samples): 0 of 8 differ")
    j = expect_json(["--batch-axis", "--ulp", "0", f1, fn], 1)
    batch = j.get("batch") or {}
    check(batch.get("rows") == 8 and batch.get("cols") == 10 and batch.get("rows_differing") == 1
          and batch.get("differing_rows") == [5] and batch.get("worst_row") == 5
          and batch.get("argmax_flips") == [], "json: batch names row 5", j)
    check(j["worst"][0]["at"] == [5, 3], "json: worst at (5, 3)", j)

    # argmax flip: sample 2's top two logits 1 ULP apart, swapped by batching
    top = int(np.argmax(logits[2]))
    other = (top + 1) % 10
    b1[2, other] = np.nextafter(b1[2, top], np.float32(-np.inf))
    bn[2] = b1[2]
    bn[2, other] = b1[2, top]
    bn[2, top] = b1[2, other]
    f1, fn = save("b1_flip.npy", b1), save("bN_flip.npy", bn)
    expect(["--batch-axis", "--ulp", "0", f1, fn], 1,
           ["rows (samples): 2 of 8 differ", "argmax differs in 1 rows: 2", "differing rows: 2, 5"])
    j = expect_json(["--batch-axis", "--ulp", "1", f1, fn], 0)
    check(j["batch"]["argmax_flips"] == [2] and j["match"] is True, "json: an argmax flip within tolerance", j)

    # a 3-D output (batch, tokens, vocab): rows = batch, cols = tokens * vocab
    a3 = rng.standard_normal((4, 3, 5)).astype(np.float32)
    b3 = a3.copy()
    b3[3, 1, 4] = next_up(b3[3, 1, 4])
    expect(["--batch-axis", save("b1_3d.npy", a3), save("bN_3d.npy", b3)], 1,
           ["batch axis: 4 rows (samples) of 15 values", "worst row 3", "[54] = (3, 1, 4)"])
    # without --batch-axis: no row statistics
    out = expect([path("b1_3d.npy"), path("bN_3d.npy")], 1)
    check("rows (samples)" not in out, "no batch axis, no rows", out)


def test_raw():
    a = np.arange(40, dtype=np.float32).reshape(4, 10)
    b = a.copy()
    b[3, 9] = next_up(b[3, 9])
    ra, rb = path("a.bin"), path("b.bin")
    a.tofile(ra)
    b.tofile(rb)
    expect(["--raw", "float32", "--shape", "4,10", ra, rb], 1, ["raw 'float32'", "shape (4, 10)", "max 1 ULP at [39]"])
    expect(["--raw", "float32", "--shape", "4,10", "--batch-axis", ra, rb], 1, "worst row 3")
    expect(["--raw", "f4", "--shape", "40", ra, ra], 0)
    expect(["--raw", "float64", "--shape", "20", ra, rb], 1)
    expect(["--raw", "float32", "--shape", "4,11", ra, rb], 2,
           err="raw data of 160 bytes, but shape (4, 11) of float32 needs 176 bytes")
    expect(["--raw", "int8", "--shape", "160", ra, rb], 2, err="unsupported dtype 'int8'")
    big = path("big.bin")
    a.astype(">f4").tofile(big)
    expect(["--raw", ">f4", "--shape", "4,10", big, big], 0, "big-endian")
    expect(["--raw", "float32", "--shape", "4,10", save("npy_as_raw.npy", a), ra], 2, err="raw data of")


def test_corrupt_and_unreadable():
    good = save("good.npy", np.arange(6, dtype=np.float32))
    data = open(good, "rb").read()

    def npy_bytes(header, payload):
        """A format 1.0 file with this header text, padded as NumPy pads it."""
        h = header.encode()
        h += b" " * ((-(10 + len(h) + 1)) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + payload

    def write(name, content):
        with open(path(name), "wb") as f:
            f.write(content)
        return path(name)

    cases = [
        ("truncated_data.npy", data[:-3], "data truncated: shape (6,) of float32 needs 24 bytes of data, 21 present"),
        ("trailing.npy", data + b"\0\0\0\0", "4 bytes after the data"),
        ("truncated_header.npy", data[:40], "header truncated"),
        ("bad_magic.npy", b"not an npy file at all", "bad magic"),
        ("empty.npy", b"", "empty input"),
        ("version9.npy", data[:6] + b"\x09\x00" + data[8:], "unsupported .npy format version 9.0"),
        ("bad_dict.npy", data.replace(b"'shape'", b"'shapf'"), "unknown key 'shapf'"),
        ("bad_shape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", data[128:]),
         "negative dimension"),
        ("no_shape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False}", data[128:]), "missing key 'shape'"),
        ("not_a_dict.npy", npy_bytes("garbage", data[128:]), "bad header: the header is not a dict"),
        ("zip.npy", b"PK\x03\x04" + data, "a zip archive"),
        ("expression.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2**40, 2**40), }", b""),
         "expected ',' or ')' in 'shape' at byte 52 of the header"),
        ("overflow.npy",
         npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999999, 9999999999999), }", b""),
         "more values than std::size_t can count"),
        ("huge.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }",
                               data[128:]), "data truncated: shape (1000000000, 1000000000) of float64 needs"),
    ]
    for name, content, message in cases:
        expect([write(name, content), good], 2, err=["repro::read_npy_file: '" + path(name) + "': ", message],
               what=f"corrupt {name}")
        expect(["--json", good, path(name)], 2, err=message, what=f"corrupt {name}, --json")
        code, stdout, _ = run("--json", good, path(name))
        check(stdout == "", f"corrupt {name}: nothing on stdout with --json", stdout)
    expect([save("int32.npy", np.arange(6, dtype=np.int32)), good], 2, err="unsupported dtype '<i4'")
    expect([save("complex.npy", np.zeros(3, np.complex64)), good], 2, err="unsupported dtype '<c8' (complex")
    expect([save("structured.npy", np.zeros(3, [("a", "<f4")])), good], 2, err="structured dtypes")
    expect([save("object.npy", np.array([None, 1], dtype=object)), good], 2, err="unsupported dtype '|O'")
    expect([path("does_not_exist.npy"), good], 2, err="cannot open the file")
    expect([DIR, good], 2, err="cannot read the file")
    expect(["--raw", "float32", "--shape", "6", path("does_not_exist.bin"), good], 2, err="cannot open the file")
    # a pipe (no size to ask for): the whole input is read, then checked
    if os.path.exists("/dev/stdin"):
        for content, rc, message in [(data, 0, "result: match"), (data[:100], 2, "header truncated"),
                                     (data[:-1], 2, "data truncated"), (data + b"x", 2, "more bytes after the data"),
                                     (b"", 2, "empty input")]:
            p = subprocess.run([TOOL, "/dev/stdin", good], input=content, capture_output=True, timeout=60)
            out, err = p.stdout.decode(), p.stderr.decode()
            check(p.returncode == rc and (message in out or message in err),
                  f"a pipe of {len(content)} bytes: exit {p.returncode}", out + err)
        raw = np.arange(6, dtype=np.float32).tobytes()
        for shape, rc in [("6", 0), ("7", 2), ("5", 2)]:
            p = subprocess.run([TOOL, "--raw", "float32", "--shape", shape, "/dev/stdin", write("r6.bin", raw)],
                               input=raw, capture_output=True, timeout=60)
            check(p.returncode == rc, f"a raw pipe, shape {shape}: exit {p.returncode}", p.stderr.decode())
    # every truncation of a real file is a clean error
    for n in range(0, len(data)):
        code, _, stderr = run(write("cut.npy", data[:n]), good)
        check(code == 2 and stderr.startswith("repro-diff: repro::read_npy_file: "),
              f"a file truncated to {n} bytes: exit {code}", stderr)


def test_incomparable_and_usage():
    good = save("u_good.npy", np.zeros((2, 3), np.float32))
    expect([good, save("u_shape.npy", np.zeros((3, 2), np.float32))], 2,
           err="shapes differ: actual (2, 3), expected (3, 2)")
    expect([good, save("u_dtype.npy", np.zeros((2, 3), np.float64))], 2, err="dtypes differ: actual float32")
    expect([], 2, err="expected two files")
    expect([good], 2, err="expected two files, ACTUAL and EXPECTED, got 1")
    expect([good, good, good], 2, err="got 3")
    expect(["--frobnicate", good, good], 2, err="unknown option --frobnicate")
    expect(["--ulp", "abc", good, good], 2, err="--ulp needs a non-negative integer below 2^64, not 'abc'")
    expect(["--ulp", "-1", good, good], 2, err="--ulp needs a non-negative integer")
    expect(["--ulp", "99999999999999999999999", good, good], 2, err="--ulp needs a non-negative integer")
    expect([good, good, "--ulp"], 2, err="--ulp needs a value")
    expect(["--rtol", "nan", good, good], 2, err="--rtol needs a finite number >= 0")
    expect(["--atol", "-1", good, good], 2, err="--atol needs a finite number >= 0")
    expect(["--ulp", "1", "--rtol", "1e-3", good, good], 2, err="choose one tolerance")
    expect(["--close", "--ulp", "1", good, good], 2, err="choose one tolerance")
    expect(["--raw", "float32", good, good], 2, err="--raw needs --shape")
    expect(["--shape", "2,3", good, good], 2, err="--shape is for raw files")
    expect(["--raw", "float32", "--shape", "2,x", good, good], 2,
           err="--shape needs a non-negative integer below 2^64, not 'x'")
    expect(["--bfloat16", "--raw", "float32", "--shape", "6", good, good], 2, err="--raw bfloat16")
    expect(["--json=yes", good, good], 2, err="--json takes no value")
    expect(["--batch-axis", save("u_scalar.npy", np.float32(1.0)), path("u_scalar.npy")], 2,
           err="--batch-axis: the arrays are scalars")
    out = expect(["--help"], 0, ["usage: repro-diff [options] ACTUAL EXPECTED", "--batch-axis", "--json", "--raw",
                                 "--bfloat16", "Exit status"])
    expect(["-h"], 0, "usage:")
    expect(["--version"], 0, "repro-diff (repro ")
    # --list bounds the listed mismatches
    many = save("u_many.npy", np.ones((2, 3), np.float32))
    out = expect(["--list", "2", good, many], 1, "2 worst of 6 mismatches")
    j = expect_json(["--list", "3", good, many], 1)
    check(len(j["worst"]) == 3, "json: --list 3 lists 3", j)
    # empty arrays match
    e = save("u_empty.npy", np.zeros((0, 4), np.float32))
    expect(["--batch-axis", e, e], 0, "0 of 0 float values differ")


def main():
    global TOOL, DIR
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    TOOL = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="repro_diff_test_") as d:
        DIR = d
        for test in (test_float32, test_float64_and_byte_order, test_float16, test_bfloat16, test_fortran_order,
                     test_nan_and_inf, test_batch_invariance_workflow, test_raw, test_corrupt_and_unreadable,
                     test_incomparable_and_usage):
            before = len(failures)
            test()
            print(f"{test.__name__}: {'ok' if len(failures) == before else 'FAILED'}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
