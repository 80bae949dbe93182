#!/usr/bin/python3
"""link-closure.py — which library objects an archive link would take.

    link-closure.py --roots A.o B.o ... --lib X.o Y.o ...

Prints, one per line and sorted, the objects of --lib that a static link of
the --roots objects against an archive of the --lib objects pulls in: a
library object is taken when it defines a symbol that a taken object (or a
root) leaves undefined, until nothing more is taken. The Makefile uses it to
compile for the fuzz targets only the objects they reach (the fuzz build
compiles each one again with clang and libFuzzer's instrumentation), reading
the symbols of the plain build's objects of the same sources.

Exit 1, naming the object, when nm cannot read one.
"""
import subprocess
import sys


def symbols(paths):
    """{path: (defined set, undefined set)} from one nm run."""
    out = {p: (set(), set()) for p in paths}
    if not paths:
        return out
    r = subprocess.run(["nm", "-P", "-A", *paths], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("link-closure: nm failed: " + r.stderr)
        sys.exit(1)
    for line in r.stdout.splitlines():
        # "path: symbol type [value size]"; the path never holds ": " here
        head, _, rest = line.partition(": ")
        parts = rest.split()
        if head not in out or len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            out[head][1].add(name)
        elif kind in "TDBRCVWGSiu":
            out[head][0].add(name)
    return out


def main(argv):
    if "--roots" not in argv or "--lib" not in argv:
        sys.stderr.write(__doc__)
        return 2
    i, j = argv.index("--roots"), argv.index("--lib")
    roots = argv[i + 1:j] if i < j else argv[i + 1:]
    lib = argv[j + 1:] if j > i else argv[j + 1:i]
    syms = symbols(roots + lib)
    definer = {}
    for p in lib:
        for s in syms[p][0]:
            definer.setdefault(s, p)
    taken, pending = set(), []
    for p in roots:
        pending.extend(syms[p][1])
    while pending:
        p = definer.get(pending.pop())
        if p is not None and p not in taken:
            taken.add(p)
            pending.extend(syms[p][1])
    for p in sorted(taken):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
