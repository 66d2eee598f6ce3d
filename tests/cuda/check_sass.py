#!/usr/bin/env python3
"""Checks repro's device code at the SASS level, without a GPU.

For each architecture the source is compiled to a cubin twice, with
`--fmad=true` and `--fmad=false` and otherwise the same flags, and both cubins
are disassembled with `cuobjdump -sass`. Every function of repro's (its
demangled name has `repro::`: the function's namespace or a template argument;
or, with --match REGEX, its mangled or demangled name matches) must then

  * be the same instructions in both builds: code that spells out its rounding
    (__fmaf_rn, __fmul_rn, __fadd_rn, ...) leaves nvcc no product to contract,
    so the flag cannot change it; a difference means some a*b+c is left to the
    compiler's choice, and the device results would depend on the build flags;
  * contain no floating-point atomic: ATOM/ATOMG/ATOMS/RED/REDG/UBLKRED whose
    modifiers name a float type (RED.E.ADD.F32.FTZ.RN, ATOM.E.ADD.F16x2.RN,
    REDG.E.ADD.F64.RN, ...), nor a compare-and-swap retry loop whose new value
    is computed by float arithmetic (how nvcc emits atomicAdd on a float in
    shared memory, or on a half, and how hand-written double atomics look).
    Integer atomics (RED.E.ADD.64, ATOMS.ADD, ATOMS.CAST.SPIN.64 with IADD3
    for a 64-bit add in shared memory, ...) are fine.
Each arch also needs at least one function of repro's, or nothing was checked.

Limits: the CAS-loop test follows registers through the loop (a heuristic,
tried on nvcc 13's output for sm_75..sm_120); a bulk tensor reduction
(UTMAREDG) keeps its element type in the tensor map, out of sight; code that
repro's functions call but that is not repro's (libdevice slow paths) is not
compared, though a change of its size shows as moved CALL targets. Anonymous
namespaces are mangled with a number of each compilation's own, so names are
compared with it taken out.

Usage:
  check_sass.py --nvcc /usr/local/cuda/bin/nvcc --source k.cu [--arch sm_90 ...]
                [--cuobjdump PATH] -- -I include -std=c++17

cuobjdump and nvdisasm are not part of every CUDA toolkit (CUDA 13's nvcc
packages lack them). They come from PyPI:
  python3 -m pip install nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm
which puts them in <site-packages>/nvidia/cu13/bin. Without --cuobjdump the
script looks there (for this interpreter and a few usual others), beside
nvcc, in $CUDA_HOME/bin and on PATH; $REPRO_CUOBJDUMP overrides the search.

Exit status: 0 all checks pass; 1 a check fails (or a build fails);
77 skipped (no cuobjdump/nvdisasm, or no nvcc when none was named).
Standard library only.
"""

import argparse
import concurrent.futures
import difflib
import glob
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time

SKIP = 77
DEFAULT_ARCHS = ["sm_75", "sm_80", "sm_90"]


def skip(reason):
    print(f"check_sass: SKIPPED: {reason}")
    sys.exit(SKIP)


def fail_setup(reason):
    print(f"check_sass: ERROR: {reason}")
    sys.exit(1)


# ---------------------------------------------------------------- tool lookup

def site_package_dirs():
    """site-packages folders of this interpreter, then of the usual others."""
    dirs = []
    for key in ("purelib", "platlib"):
        try:
            dirs.append(sysconfig.get_paths()[key])
        except KeyError:
            pass
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:  # some virtualenvs' site module
        pass
    try:
        dirs.append(site.getusersitepackages())
    except AttributeError:
        pass
    dirs.extend(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    home = os.path.expanduser("~")
    for pattern in ("/usr/local/lib/python3*/dist-packages",
                    "/usr/local/lib/python3*/site-packages",
                    "/usr/lib/python3/dist-packages",
                    home + "/.local/lib/python3*/site-packages",
                    home + "/.pyenv/versions/*/lib/python3*/site-packages",
                    "/opt/*/lib/python3*/site-packages"):
        dirs.extend(sorted(glob.glob(pattern)))
    seen, out = set(), []
    for d in dirs:
        if d and d not in seen and os.path.isdir(d):
            seen.add(d)
            out.append(d)
    return out


def is_exe(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def find_tool(name, nvcc, near=None):
    """Path of a CUDA binary tool, or None."""
    candidates = []
    if near:
        candidates.append(os.path.join(near, name))
    for d in site_package_dirs():
        # CUDA 13 wheels: nvidia/cu13/bin; CUDA 12 wheels: nvidia/cuda_<tool>/bin
        candidates.extend(sorted(glob.glob(os.path.join(d, "nvidia", "cu1*", "bin", name)), reverse=True))
        candidates.extend(sorted(glob.glob(os.path.join(d, "nvidia", "*", "bin", name))))
    if nvcc:
        candidates.append(os.path.join(os.path.dirname(os.path.realpath(nvcc)), name))
        candidates.append(os.path.join(os.path.dirname(nvcc), name))
    for env in ("CUDA_HOME", "CUDA_PATH", "CUDAToolkit_ROOT"):
        if os.environ.get(env):
            candidates.append(os.path.join(os.environ[env], "bin", name))
    candidates.append(shutil.which(name))
    for c in candidates:
        if is_exe(c):
            return os.path.abspath(c)
    return None


def tool_version(path):
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "version unknown"
    m = re.search(r"release [^\n]*", out)
    return m.group(0) if m else "version unknown"


# ------------------------------------------------------------------- building

def normalise_arch(arch):
    """'90', '90-real', 'sm_90', 'compute_90' -> 'sm_90'; '90a' -> 'sm_90a'."""
    a = arch.strip()
    a = re.sub(r"-(real|virtual)$", "", a)
    a = re.sub(r"^(sm_|compute_)", "", a)
    if not re.fullmatch(r"\d+[a-z]?", a):
        fail_setup(f"cannot read architecture '{arch}' (want sm_90, 90, 90-real, ...)")
    return "sm_" + a


def compile_cubin(nvcc, source, arch, fmad, extra, out):
    cmd = [nvcc, "-cubin", f"-arch={arch}", f"--fmad={'true' if fmad else 'false'}", *extra, "-o", out, source]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    return cmd, r, time.monotonic() - t0


def disassemble(cuobjdump, nvdisasm_dir, cubin):
    env = dict(os.environ)
    env["PATH"] = nvdisasm_dir + os.pathsep + env.get("PATH", "")
    env["NVDISASM_PATH"] = nvdisasm_dir  # cuobjdump -sass runs nvdisasm
    r = subprocess.run([cuobjdump, "-sass", cubin], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"cuobjdump -sass {cubin} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


# ------------------------------------------------------------------- parsing

FUNC_RE = re.compile(r"^\s*Function\s*:\s*(\S+)\s*$")
INSTR_RE = re.compile(r"^\s*/\*([0-9a-fA-F]{4,})\*/\s*(.*?)\s*;?\s*/\*\s*(0x[0-9a-fA-F]+)\s*\*/\s*$")
ENC_RE = re.compile(r"^\s*/\*\s*(0x[0-9a-fA-F]+)\s*\*/\s*$")
END_RE = re.compile(r"^\s*\.{5,}\s*$")


class Instr:
    __slots__ = ("addr", "text", "enc")

    def __init__(self, addr, text, enc):
        self.addr, self.text, self.enc = addr, text, [enc]

    def key(self):
        return (self.addr, self.text, tuple(self.enc))


class Function:
    def __init__(self, name):
        self.name = name
        self.header = []  # .headerflags and any other non-instruction line
        self.instrs = []

    def key(self):
        return (tuple(self.header), tuple(i.key() for i in self.instrs))


def squeeze(s):
    return re.sub(r"\s+", " ", s).strip()


def stable_name(mangled):
    """The mangled name without what differs from one nvcc run to the next:
    an anonymous namespace is mangled _GLOBAL__N__<hash>_<len>_<file>_<hash>_<n>
    with an <n> of its own in each compilation, so it becomes _GLOBAL__N_."""
    out, pos = [], 0
    for m in re.finditer(r"(\d+)(_GLOBAL__N_)", mangled):
        if m.start() < pos:
            continue
        digits = m.group(1)
        for k in range(len(digits)):  # the length prefix is a suffix of the digit run
            length = int(digits[k:])
            end = m.start(2) + length
            if length >= len("_GLOBAL__N_") and end <= len(mangled):
                out.append(mangled[pos:m.start() + k] + "11_GLOBAL__N_")
                pos = end
                break
    out.append(mangled[pos:])
    return "".join(out)


def parse_sass(text):
    """cuobjdump -sass output -> {stable mangled name: Function}, in dump order."""
    funcs = {}
    cur = None
    for line in text.splitlines():
        m = FUNC_RE.match(line)
        if m:
            name = stable_name(m.group(1))
            n = 2
            while name in funcs:  # never seen, but keep both rather than merge
                name = f"{stable_name(m.group(1))}#{n}"
                n += 1
            cur = funcs[name] = Function(name)
            continue
        if cur is None:
            continue
        if END_RE.match(line):
            cur = None
            continue
        m = INSTR_RE.match(line)
        if m:
            cur.instrs.append(Instr(int(m.group(1), 16), squeeze(m.group(2)), m.group(3).lower()))
            continue
        m = ENC_RE.match(line)
        if m and cur.instrs:
            cur.instrs[-1].enc.append(m.group(1).lower())
            continue
        if line.strip():
            cur.header.append(squeeze(line))
    return funcs


def demangle_all(names):
    """{mangled: demangled} through c++filt when there is one."""
    out = {n: n for n in names}
    cxxfilt = shutil.which("c++filt")
    if not cxxfilt or not names:
        return out
    plain = [n.split("#")[0] for n in names]
    try:
        r = subprocess.run([cxxfilt], input="\n".join(plain) + "\n", capture_output=True, text=True, timeout=60)
        lines = r.stdout.splitlines()
        if r.returncode == 0 and len(lines) == len(names):
            out = dict(zip(names, lines))
    except (OSError, subprocess.SubprocessError):
        pass
    return out


# ------------------------------------------------------------ float atomics

INS_RE = re.compile(r"^(?:@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_]*)((?:\.[A-Za-z0-9_]+)*)\s*(.*)$")
FLOAT_TYPE_RE = re.compile(r"^(?:BF16|F16|F32|F64|TF32|E4M3|E5M2)(?:X\d+|x\d+)?(?:_V2)?$|^F(?:ADD|MIN|MAX|MNMX)")
# arithmetic whose result is a float value (FSEL included: a float max through a CAS loop is FSETP+FSEL)
FLOAT_OPS = {
    "FADD", "FADD32I", "FMUL", "FMUL32I", "FFMA", "FFMA32I", "FMNMX", "FSEL", "FSWZADD",
    "DADD", "DMUL", "DFMA", "DMNMX",
    "HADD2", "HADD2_32I", "HMUL2", "HMUL2_32I", "HFMA2", "HFMA2_32I", "HMNMX2",
}
# repro's functions: `repro::` in the demangled name (the function or a
# template argument); in the mangled one the source name `5repro` followed by
# the next name's length or a template's I (so not_repro does not count)
REPRO_DEMANGLED = re.compile(r"(?<![A-Za-z0-9_])repro::")
REPRO_MANGLED = re.compile(r"(?<![0-9])5repro(?=[0-9IE])")
REG_RE = re.compile(r"(?<![A-Za-z0-9_])R(\d+)")


def split_instr(text):
    m = INS_RE.match(text)
    if not m:
        return None, [], ""
    mods = [t for t in m.group(2).split(".") if t]
    return m.group(1), mods, m.group(3)


def is_atomic_op(op):
    return bool(op) and re.match(r"^(ATOM|RED|UBLKRED|UTMARED)", op) is not None and not op.startswith("REDUX")


def operands(rest):
    """Top-level operands (commas inside [] split nothing)."""
    out, depth, cur = [], 0, ""
    for ch in rest:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def regs(s, wide):
    """Register numbers in an operand string; a pair's second half when the
    operand is 64 bits wide (or written Rn.64, as addresses are)."""
    out = set()
    for m in re.finditer(r"(?<![A-Za-z0-9_])R(\d+)(\.64)?", s):
        out.add(int(m.group(1)))
        if wide or m.group(2):
            out.add(int(m.group(1)) + 1)
    return out


def defs_and_uses(text):
    """(opcode, registers written, registers read) of one instruction. Only
    general registers; predicates, uniform registers and memory are not
    followed. A 64-bit destination (.64, .S64, .WIDE, DADD...) is a pair;
    sources are pairs only for double arithmetic and Rn.64 addresses."""
    op, mods, rest = split_instr(text)
    op = op or ""
    ops = operands(rest)
    if not ops:
        return op, set(), set()
    double = op.startswith("D")
    wide_dst = double or any("64" in t or t == "WIDE" for t in mods)
    if op.startswith("HFMA2") and len(ops) >= 3 and ops[1] == "-RZ" and ops[2] == "RZ":
        return "MOV", regs(ops[0], False), set()  # nvcc's way to load a constant
    if is_atomic_op(op):
        # ATOMS.CAST.SPIN R5, [R0], R4, R5 / ATOMG.E.CAS PT, R6, [R8], R4, R6 / RED [R2], R3
        dst = ops[0] if ops[0].startswith("R") else ops[1] if len(ops) > 1 and ops[0].startswith("P") else ""
        return op, regs(dst, wide_dst) if dst.startswith("R") else set(), set()  # memory's old value: opaque
    if not ops[0].startswith("R"):  # ISETP P0, ... / LOP3.LUT P0, RZ, ... / STG [R2.64], R5
        return op, set(), regs(",".join(ops[1:] if not ops[0].startswith("[") else ops), double)
    return op, regs(ops[0], wide_dst), regs(",".join(ops[1:]), double)


def loop_regions(instrs):
    """(start, end) address spans of backward branches."""
    out = []
    for ins in instrs:
        op, _, rest = split_instr(ins.text)
        if op in ("BRA", "JMP", "BRX", "JMX"):
            m = re.search(r"(0x[0-9a-fA-F]+)\s*$", rest)
            if m and int(m.group(1), 16) <= ins.addr:
                out.append((int(m.group(1), 16), ins.addr))
    return out


def backward_slice(body, pos, want):
    """Instructions of the loop body that compute the registers in `want` as
    used by body[pos]: backwards from it, then round the back edge once."""
    found = []
    order = list(reversed(body[:pos])) + list(reversed(body[pos:]))
    for ins in order:
        if not want:
            break
        op, d, u = defs_and_uses(ins.text)
        if d & want:
            found.append((ins, op))
            want = (want - d) | u
    return found


def float_cas_loop(instrs, idx):
    """Float op computing the new value of the compare-and-swap instrs[idx]
    in a retry loop around it, or None.

    In the innermost loop any float op in the new value's backward slice
    counts (atomicAdd on float/double/half in shared memory, the
    hand-written do { old = atomicCAS(p, assumed, f(assumed)) } loop). A
    float op found only in an outer loop counts when it itself reads the
    CAS's result, i.e. the float is the read-modify-write (nvcc's 16-bit
    atomics retry the 32-bit word in an inner loop and the add in an outer
    one); values computed before and merely added by an integer CAS loop
    (a superaccumulator's digits, say) do not."""
    cas = instrs[idx]
    spans = sorted((s for s in loop_regions(instrs) if s[0] <= cas.addr <= s[1]), key=lambda s: s[1] - s[0])
    _, mods, rest = split_instr(cas.text)
    ops = operands(rest)
    wide = any("64" in t for t in mods)
    new_value = regs(ops[-1], wide) if ops else set()
    for level, (lo, hi) in enumerate(spans):
        body = [i for i in instrs if lo <= i.addr <= hi]
        pos = next(k for k, i in enumerate(body) if i is cas)
        for ins, op in backward_slice(body, pos, set(new_value)):
            if op not in FLOAT_OPS:
                continue
            if level == 0:
                return ins
            fpos = next(k for k, i in enumerate(body) if i is ins)
            if any(i is cas for i, _ in backward_slice(body, fpos, defs_and_uses(ins.text)[2])):
                return ins
    return None


def float_atomics(func):
    """[(Instr, reason)] for each floating-point atomic in func."""
    found = []
    for k, ins in enumerate(func.instrs):
        op, mods, _ = split_instr(ins.text)
        if not is_atomic_op(op):
            continue
        if any(FLOAT_TYPE_RE.match(t) for t in mods):
            found.append((ins, "float atomic"))
        elif any(t in ("CAS", "CAST") for t in mods):
            f = float_cas_loop(func.instrs, k)
            if f is not None:
                found.append((ins, f"CAS loop whose new value comes from /*{f.addr:04x}*/ {f.text}"))
    return found


# --------------------------------------------------------------- comparison

def opcode(ins):
    op, mods, _ = split_instr(ins.text)
    return ".".join([op or "?"] + mods)


def short_diff(a, b, limit):
    """What changed between the fmad=true build a and the fmad=false build b:
    the opcodes whose counts differ, then the instructions of the stretches
    whose opcode sequence differs (branch targets and register numbers that
    merely shifted are not shown)."""
    ca, cb = {}, {}
    for ins in a.instrs:
        ca[opcode(ins)] = ca.get(opcode(ins), 0) + 1
    for ins in b.instrs:
        cb[opcode(ins)] = cb.get(opcode(ins), 0) + 1
    delta = [(k, cb.get(k, 0) - ca.get(k, 0)) for k in sorted(set(ca) | set(cb)) if ca.get(k, 0) != cb.get(k, 0)]
    lines = [f"{len(a.instrs)} -> {len(b.instrs)} instructions"
             + (f"; fmad=false has {', '.join(f'{k} {d:+d}' for k, d in delta)}" if delta else "")]
    body = []
    sm = difflib.SequenceMatcher(None, [opcode(i) for i in a.instrs], [opcode(i) for i in b.instrs], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        body.extend(f"- /*{x.addr:04x}*/ {x.text}" for x in a.instrs[i1:i2])
        body.extend(f"+ /*{y.addr:04x}*/ {y.text}" for y in b.instrs[j1:j2])
    if not body:
        if a.header != b.header:
            body = [f"- {h}" for h in a.header] + [f"+ {h}" for h in b.header]
        else:  # same opcodes: operands or encodings (scheduling/control bits) differ
            for x, y in zip(a.instrs, b.instrs):
                if x.key() != y.key():
                    body.append(f"- /*{x.addr:04x}*/ {x.text} {' '.join(x.enc)}")
                    body.append(f"+ /*{y.addr:04x}*/ {y.text} {' '.join(y.enc)}")
    more = len(body) - limit
    lines.extend(body[:limit])
    if more > 0:
        lines.append(f"... {more} more diff lines")
    return lines


def check_arch(arch, args, tools, workdir):
    nvcc, cuobjdump, nvdisasm_dir = tools
    builds = {}
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 if args.jobs > 1 else 1) as pool:
        futs = {fmad: pool.submit(compile_cubin, nvcc, args.source, arch, fmad, args.nvcc_args,
                                  os.path.join(workdir, f"{arch}.fmad_{'true' if fmad else 'false'}.cubin"))
                for fmad in (True, False)}
        for fmad, fut in futs.items():
            cmd, r, _ = fut.result()
            if r.returncode != 0:
                tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-25:])
                return {"arch": arch, "error": f"nvcc failed ({r.returncode}): {' '.join(cmd)}\n{tail}",
                        "seconds": time.monotonic() - t0}
            builds[fmad] = cmd[cmd.index("-o") + 1]
    dumps = {}
    for fmad, cubin in builds.items():
        sass = disassemble(cuobjdump, nvdisasm_dir, cubin)
        if args.keep:
            with open(cubin[:-len(".cubin")] + ".sass", "w") as f:
                f.write(sass)
        dumps[fmad] = parse_sass(sass)
    names = sorted(set(dumps[True]) | set(dumps[False]))
    dem = demangle_all(names)
    if args.match:
        match = re.compile(args.match)
        ours = [n for n in names if match.search(n) or match.search(dem[n])]
    else:
        ours = [n for n in names if REPRO_DEMANGLED.search(dem[n]) or REPRO_MANGLED.search(n)]
    differ, atomics = [], {}
    for n in ours:
        a, b = dumps[True].get(n), dumps[False].get(n)
        if a is None or b is None:
            differ.append((n, [f"only in the fmad={'true' if a is not None else 'false'} build"]))
            continue
        if a.key() != b.key():
            differ.append((n, short_diff(a, b, args.diff_lines)))
        for label, fn in (("fmad=true", a), ("fmad=false", b)):
            for ins, why in float_atomics(fn):
                atomics.setdefault((n, ins.text, why), set()).add(label)
    return {"arch": arch, "functions": ours, "all": len(names), "differ": differ,
            "atomics": sorted(atomics.items()), "demangled": dem, "seconds": time.monotonic() - t0}


def clip(s, n=150):
    return s if len(s) <= n else s[:n - 3] + "..."


def main(argv):
    if "--" in argv:
        k = argv.index("--")
        argv, nvcc_args = argv[:k], argv[k + 1:]
    else:
        nvcc_args = []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="nvcc arguments (include dirs, -std=c++17, ...) go after --")
    p.add_argument("--nvcc", help="nvcc to build with (default: $CUDACXX, nvcc on PATH, /usr/local/cuda/bin/nvcc)")
    p.add_argument("--cuobjdump", help="cuobjdump to disassemble with (default: $REPRO_CUOBJDUMP, else <site-packages>/nvidia/cu13/bin of this and the usual interpreters, nvcc's folder, $CUDA_HOME/bin, PATH)")
    p.add_argument("--arch", action="append", help="sm_XX (or XX, XX-real); repeatable; default sm_75 sm_80 sm_90")
    p.add_argument("--source", required=True, help=".cu file to compile")
    p.add_argument("--match", metavar="REGEX",
                   help="check the functions whose mangled or demangled name matches REGEX instead of "
                        "those in namespace repro (demangled 'repro::', mangled '5repro')")
    p.add_argument("--diff-lines", type=int, default=12, help="diff lines shown per differing function")
    p.add_argument("--jobs", type=int, default=2, help="1: build the two cubins one after the other")
    p.add_argument("--keep", metavar="DIR", help="keep cubins and SASS dumps in DIR")
    args = p.parse_args(argv)
    args.nvcc_args = nvcc_args

    # tools
    if args.nvcc:
        nvcc = shutil.which(args.nvcc) or (args.nvcc if is_exe(args.nvcc) else None)
        if not nvcc:
            fail_setup(f"--nvcc {args.nvcc} is not an executable")
    else:
        nvcc = next((c for c in (os.environ.get("CUDACXX"), shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc")
                     if c and is_exe(c)), None)
        if not nvcc:
            skip("no nvcc (give --nvcc)")
    if args.cuobjdump:
        cuobjdump = shutil.which(args.cuobjdump) or (args.cuobjdump if is_exe(args.cuobjdump) else None)
        if not cuobjdump:
            fail_setup(f"--cuobjdump {args.cuobjdump} is not an executable")
    elif is_exe(os.environ.get("REPRO_CUOBJDUMP", "")):
        cuobjdump = os.environ["REPRO_CUOBJDUMP"]
    else:
        cuobjdump = find_tool("cuobjdump", nvcc)
        if not cuobjdump:
            skip("cuobjdump not found (python3 -m pip install nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm, or --cuobjdump PATH)")
    cuobjdump = os.path.abspath(cuobjdump)
    nvdisasm = find_tool("nvdisasm", nvcc, near=os.path.dirname(cuobjdump))
    if not nvdisasm:
        skip("nvdisasm not found, which cuobjdump -sass needs (python3 -m pip install nvidia-cuda-nvdisasm)")
    if not os.path.isfile(args.source):
        fail_setup(f"no source file {args.source}")
    archs = []
    for a in args.arch or DEFAULT_ARCHS:
        for part in re.split(r"[;,\s]+", a):
            if part:
                n = normalise_arch(part)
                if n not in archs:
                    archs.append(n)

    what = f"functions matching /{args.match}/" if args.match else "functions in namespace repro"
    print(f"check_sass: {args.source}  archs {' '.join(archs)}  {what}")
    print(f"  nvcc      {nvcc} ({tool_version(nvcc)})")
    print(f"  cuobjdump {cuobjdump} ({tool_version(cuobjdump)})")
    print(f"  nvdisasm  {nvdisasm}")
    print(f"  nvcc args {' '.join(nvcc_args) or '(none)'}")
    sys.stdout.flush()

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        tmp = None
        workdir = args.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="check_sass.")
        workdir = tmp.name
    tools = (nvcc, cuobjdump, os.path.dirname(nvdisasm))
    bad_archs, total_funcs, total_diff, total_atom = [], 0, 0, 0
    t_all = time.monotonic()
    try:
        for arch in archs:
            try:
                r = check_arch(arch, args, tools, workdir)
            except RuntimeError as e:
                r = {"arch": arch, "error": str(e), "seconds": 0.0}
            if "error" in r:
                print(f"{arch}: ERROR ({r['seconds']:.1f} s)\n  " + r["error"].replace("\n", "\n  "))
                bad_archs.append(arch)
                continue
            nf, nd, na = len(r["functions"]), len(r["differ"]), len(r["atomics"])
            total_funcs, total_diff, total_atom = total_funcs + nf, total_diff + nd, total_atom + na
            ok = nf > 0 and nd == 0 and na == 0
            print(f"{arch}: {nf} of {r['all']} functions are repro's and were compared; "
                  f"{nd} differ between --fmad=true and --fmad=false; {na} float atomics "
                  f"[{'ok' if ok else 'FAIL'}, {r['seconds']:.1f} s]")
            dem = r["demangled"]
            if nf == 0:
                print(f"  no function is repro's (see --match): nothing was checked")
            with_atomics = {k[0] for k, _ in r["atomics"]}
            for n in r["functions"]:
                mark = "DIFFERS" if any(d[0] == n for d in r["differ"]) else "same"
                print(f"  {mark:7} {clip(dem[n])}" + ("  [float atomic]" if n in with_atomics else ""))
            for n, lines in r["differ"]:
                print(f"  DIFF {clip(dem[n])}  [{n}]")
                for l in lines:
                    print(f"      {l}")
            for (n, text, why), labels in r["atomics"]:
                print(f"  FLOAT ATOMIC in {clip(dem[n])}: {text}  ({why}; {'both builds' if len(labels) == 2 else next(iter(labels))})")
            if not ok:
                bad_archs.append(arch)
            sys.stdout.flush()
    finally:
        if tmp is not None:
            tmp.cleanup()
    verdict = "PASS" if not bad_archs else "FAIL"
    print(f"check_sass: {verdict}: {len(archs)} archs, {total_funcs} functions compared, {total_diff} differ, "
          f"{total_atom} float atomics" + (f"; failing: {' '.join(bad_archs)}" if bad_archs else "")
          + f" ({time.monotonic() - t_all:.1f} s)")
    return 0 if not bad_archs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
