#!/usr/bin/python3
"""powercut.py — what reached the disk: rebuild a directory after a simulated
power loss from the journal tests/lib/crashfs.c kept of a killed process.

  powercut.py cut DIR BASE JOURNAL --seed N [--mode MODE] [--keep-dir K]
  powercut.py dump JOURNAL
  powercut.py after-failure JOURNAL PATTERN fsync|write

DIR is the directory the process wrote (its files as the page cache left
them), BASE a copy of DIR taken before the process started (durable: it is
what the disk held), JOURNAL the records of every write, truncation, sync
and name change the process made under DIR. `cut` replaces DIR's followed
files by a state a disk could hold after a power cut at the moment of the
kill:

  - each file: its content as of its last fsync/fdatasync (the writes whose
    records precede the sync's mark), then, of the later writes and
    truncations, none, a random prefix, a random subset (the page cache
    writes back in any order), or all, by MODE (random: chosen per file);
    the last one kept may be torn (only some of its 512-byte sectors
    reach the disk), and a file that grew may keep its new length with
    zeros where the data did not arrive;
  - the names (create, rename, link, unlink): those before the last fsync
    of their directory, then a random prefix of the later ones (a journal
    commits them in order).

The choice is a function of the seed and the journal alone: the same three
inputs rebuild the same directory (a failing cycle's BASE and JOURNAL are
kept by the test for that). Prints one line of what was kept and dropped.

`after-failure` counts the writes to the files whose path under DIR
contains PATTERN after the first failed fsync (or write) of one of them:
a node must not write on after an fsync error (PostgreSQL's "fsyncgate").
"""
import os
import random
import shutil
import struct
import sys

MAGIC = 0x314A5243
HDR = struct.Struct("=IBBHIIQQ")
SECTOR = 512


def records(path):
    """(position, type, ino, off, paths, data) of each whole record."""
    with open(path, "rb") as f:
        buf = f.read()
    pos, out = 0, []
    while pos + HDR.size <= len(buf):
        magic, typ, _pad, plen, _pid, dlen, ino, off = HDR.unpack_from(buf, pos)
        if magic != MAGIC:
            raise SystemExit("powercut: %s: bad record at %d" % (path, pos))
        end = pos + HDR.size + plen + dlen
        if end > len(buf):
            break  # cut short by the kill: its call was not yet synced
        p = buf[pos + HDR.size:pos + HDR.size + plen].decode()
        paths = p.split("\0") if plen else []
        data = buf[pos + HDR.size + plen:end]
        out.append((pos, chr(typ), ino, off, paths, data))
        pos = end
    return out


class Inode:
    def __init__(self, content=b""):
        self.content = bytearray(content)
        self.ops = []       # (pos, 'w', off, data) | (pos, 't', length)
        self.synced = -1    # journal mark of the latest sync

    def apply(self, buf, op, sectors=None):
        if op[1] == "t":
            n = op[2]
            del buf[n:]
            buf.extend(b"\0" * (n - len(buf)))
            return
        off, data = op[2], op[3]
        if sectors is None:
            parts = [(off, data)]
        else:
            parts = [(off + a, data[a:b]) for a, b in sectors]
        for o, d in parts:
            if len(buf) < o:
                buf.extend(b"\0" * (o - len(buf)))
            buf[o:o + len(d)] = d


def sector_spans(off, n):
    """The write [off, off+n) cut at 512-byte boundaries of the file."""
    spans, a = [], 0
    while a < n:
        b = min(n, (off + a) // SECTOR * SECTOR + SECTOR - off)
        spans.append((a, b))
        a = b
    return spans


def cut(args):
    d, base, journal = args["dir"], args["base"], args["journal"]
    rng = random.Random(args["seed"])
    mode = args.get("mode", "random")
    recs = records(journal)
    inodes = {}           # ino -> Inode (the latest file of that number)
    names = {}            # path -> Inode, as of BASE
    nsops = []            # (pos, kind, paths, inode)
    dirsync = {}          # dir -> latest mark
    allsync = -1          # latest syncfs: everything before it is durable
    for pos, t, ino, off, paths, data in recs:
        if t == "B":
            node = Inode(open(os.path.join(base, paths[0]), "rb").read())
            inodes[ino] = names[paths[0]] = node
        elif t == "C":
            node = inodes[ino] = Inode()
            nsops.append((pos, "c", paths, node))
        elif t == "W":
            inodes.setdefault(ino, Inode()).ops.append((pos, "w", off, data))
        elif t == "T":
            inodes.setdefault(ino, Inode()).ops.append((pos, "t", off))
        elif t == "S":
            node = inodes.setdefault(ino, Inode())
            node.synced = max(node.synced, off)
        elif t == "D":
            dirsync[paths[0]] = max(dirsync.get(paths[0], -1), off)
        elif t == "A":
            # syncfs: every file and directory synced at the mark
            allsync = max(allsync, off)
        elif t in "RLU":
            nsops.append((pos, t.lower(), paths, None))
    # the names: durable ones, then a prefix of the rest, in journal order
    def dir_of(p):
        return os.path.dirname(p) or "."

    def durable(op):
        return all(op[0] < max(allsync, dirsync.get(dir_of(p), -1)) for p in op[2] if p)

    pending = [op for op in nsops if not durable(op)]
    keep_ns = {"none": 0, "all": len(pending)}.get(mode, rng.randint(0, len(pending)))
    kept_pending = set(id(op) for op in pending[:keep_ns])
    state = dict(names)
    for op in nsops:
        if not durable(op) and id(op) not in kept_pending:
            continue
        kind, paths = op[1], op[2]
        if kind == "c":
            state[paths[0]] = op[3]
        elif kind == "u":
            state.pop(paths[0], None)
        elif kind in "rl":
            a, b = paths
            if a in state:
                if b:
                    state[b] = state[a]
                if kind == "r":
                    del state[a]
            elif not a and b:
                state.pop(b, None)  # renamed in from outside: unknown
    # the data of every inode still named
    stats = {"kept": 0, "dropped": 0, "torn": 0, "zeroed": 0}
    result = {}
    done = {}
    for path, node in sorted(state.items()):
        if id(node) in done:
            result[path] = done[id(node)]
            continue
        buf = bytearray(node.content)
        synced = max(node.synced, allsync)
        durable_ops = [op for op in node.ops if op[0] < synced]
        later = [op for op in node.ops if op[0] >= synced]
        for op in durable_ops:
            node.apply(buf, op)
        m = mode if mode != "random" else rng.choice(["none", "prefix", "subset", "all"])
        if m == "none":
            keep = []
        elif m == "prefix":
            keep = later[:rng.randint(0, len(later))]
        elif m == "subset":
            keep = [op for op in later if rng.random() < 0.5]
        else:
            keep = list(later)
        stats["kept"] += len(keep)
        stats["dropped"] += len(later) - len(keep)
        tear = keep and keep[-1][1] == "w" and m != "all" and rng.random() < 0.5
        grown = max([op[2] + len(op[3]) for op in later if op[1] == "w"] + [0])
        for i, op in enumerate(keep):
            if tear and i == len(keep) - 1:
                spans = sector_spans(op[2], len(op[3]))
                sub = [s for s in spans if rng.random() < 0.5]
                if len(sub) == len(spans) and spans:
                    sub = sub[:-1]
                stats["torn"] += 1
                node.apply(buf, op, sub)
            else:
                node.apply(buf, op)
        if m != "all" and grown > len(buf) and rng.random() < 0.25:
            # the new length reached the disk, its data did not
            buf.extend(b"\0" * (grown - len(buf)))
            stats["zeroed"] += 1
        done[id(node)] = bytes(buf)
        result[path] = done[id(node)]
    # rewrite DIR: every followed file is the result, nothing else named
    keep_dir = args.get("keep_dir")
    nfiles, unchanged = len(result), 0
    for root, dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            rel = os.path.relpath(p, d)
            if rel.endswith("-shm"):
                continue  # not followed: SQLite rebuilds it at open
            if os.path.islink(p):
                continue  # a key's link into DIR.keys (tims/keydir.h), made
                          # and fsync'd at start: not followed
            if keep_dir and (rel == keep_dir or rel.startswith(keep_dir + "/")):
                continue
            mode_bits = os.stat(p).st_mode & 0o7777
            if rel in result and not isinstance(result[rel], tuple):
                with open(p, "rb") as f:
                    same = f.read() == result[rel]
                if same:
                    # already what the disk holds (a file the process
                    # never wrote: most of a database cluster): left as is
                    del result[rel]
                    unchanged += 1
                    continue
            os.unlink(p)
            if rel in result:
                result[rel] = (result[rel], mode_bits)
    for rel, v in result.items():
        data, bits = v if isinstance(v, tuple) else (v, 0o600)
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, bits)
    print("powercut seed %s mode %s: %d files, %d later writes kept, %d dropped, "
          "%d torn, %d zero-extended; names: %d pending, %d kept"
          % (args["seed"], mode, nfiles, stats["kept"], stats["dropped"],
             stats["torn"], stats["zeroed"], len(pending), keep_ns))


def after_failure(journal, pattern, call):
    """Writes to files whose path contains pattern after the first failed
    `call` (fsync or write) on one of them: (failure description, count).
    A pattern starting with ^ matches at the start of the path only
    ("^audit.db": the centre's own audit log, not mirror/X.audit.db)."""
    paths, failed, after = {}, None, 0

    def match(p):
        return p.startswith(pattern[1:]) if pattern.startswith("^") else pattern in p
    for pos, t, ino, off, ps, data in records(journal):
        if t in "BC":
            paths[ino] = ps[0]
        elif t == "F" and ps and ps[0] == call and match(paths.get(ino, "")) and not failed:
            failed = "%s of %s failed (errno %d) at journal offset %d" % (
                call, paths[ino], off, pos)
        elif t in "WT" and failed and match(paths.get(ino, "")):
            after += 1
    return failed, after


def dump(journal):
    for pos, t, ino, off, paths, data in records(journal):
        print(pos, t, ino, off, "|".join(paths), len(data))


def main(argv):
    if len(argv) >= 2 and argv[0] == "dump":
        return dump(argv[1])
    if len(argv) == 4 and argv[0] == "after-failure":
        failed, n = after_failure(argv[1], argv[2], argv[3])
        print("%s; then %d writes to %s*" % (failed or "no %s failed" % argv[3], n, argv[2].lstrip("^")))
        return
    if len(argv) < 4 or argv[0] != "cut":
        raise SystemExit(__doc__)
    args = {"dir": argv[1], "base": argv[2], "journal": argv[3]}
    rest = argv[4:]
    while rest:
        k = rest.pop(0)
        if k == "--seed":
            args["seed"] = int(rest.pop(0))
        elif k == "--mode":
            args["mode"] = rest.pop(0)
        elif k == "--keep-dir":
            args["keep_dir"] = rest.pop(0)
        else:
            raise SystemExit("powercut: unknown option %s" % k)
    if "seed" not in args:
        raise SystemExit("powercut: --seed N is required")
    if args.get("mode", "random") not in ("random", "none", "prefix", "subset", "all"):
        raise SystemExit("powercut: --mode random|none|prefix|subset|all")
    cut(args)


if __name__ == "__main__":
    main(sys.argv[1:])
