#!/usr/bin/python3
"""booths.py — the fault matrix's client and checker (Jepsen's set checker).

  booths.py load --url URL --ca FILE --tokens T1,T2,.. --prefix P --history H
                 [--seconds S] [--stop-file F] [--retry N] [--resend N] [--seed N]
  booths.py check --db POST.DB --history H [--label L] [--mirror MIRROR.DB]
                  [--store QUERY.DB --origin ORIGIN] [--audit EVENTS.JSONL]

load: one thread per booth token, each registering crossings through the
post's HTTPS API as a booth does (POST /api/v1/check, then POST
/api/v1/crossings with the check id and a client id), until S seconds
have passed (S = 0: until the retries are sent), or F exists (checked
between two registrations: a test that waits for something the load must
cause ends it then), or the post stops answering (killed). Ids not yet acknowledged in H are tried again first
(the same id, by the same booth: a booth's retry),
and up to --resend acknowledged ones are sent again (their answer must be
"duplicate" with the index first given). Every step is appended to H at
once, one line each:

  A ID BOOTH                 attempted (before the crossing is sent) by
                             booth number BOOTH (its retries: the same)
  C ID CHECK                 the check before it answered (200, check id)
  K ID INDEX LEAF SIZE ROOT  acknowledged (2xx): index, leaf hash and the
                             checkpoint (size, root) the answer carried
  N ID STATUS ERROR          refused (the post answered non-2xx)
  X ID WHY                   no answer (the connection failed)

check: the set checker. Reads H (every cycle's lines) and the records of
POST.DB (a copy: SQLite recovers it as the node would) and prints Jepsen's
figures on one line:

  attempted A acknowledged K present P lost L recovered-unacknowledged R
  unexpected U duplicated D index-mismatch I roots-equal Y/N (C checked)

lost: acknowledged ids not in the log, or not at the index, or with
another leaf hash, than the acknowledgement said. roots-equal: for every
checkpoint (size, root) a booth was given, the RFC 6962 root recomputed
from the recovered log's entries at that size is that root, and the
latest checkpoint in the database is the root of its size. With
--mirror (the centre's mirror of the post's log): how many acknowledged
crossings it holds at their index with their leaf, how many of its
entries differ from the post's log, and whether the root recomputed from
its entries at the size of the post's latest checkpoint is that
checkpoint's. With --store (the centre's query store) and --origin: the
same for its rows of that origin (an index held twice counts as
differing), and how many lie beyond the post's log. With --audit (the
recovered post's audit events, `tims audit list --json`): how many of the
checks answered (C lines) have their "check" event with that check id —
the answer is sent only once its event is durable, so after any cut an
answered check without one is lost from the trail (G2). Exit 1 if
lost, unexpected, duplicated, index-mismatch or unaudited is not 0 or a
root differs.
"""
import hashlib
import http.client
import json
import os
import random
import sqlite3
import ssl
import sys
import threading
import time
from urllib.parse import urlparse


def parse_args(argv, spec):
    out = {}
    while argv:
        k = argv.pop(0)
        if not k.startswith("--") or k[2:] not in spec:
            raise SystemExit("booths.py: unknown option %s" % k)
        name = k[2:]
        if spec[name] is bool:
            out[name] = True
        else:
            out[name] = spec[name](argv.pop(0))
    return out


def read_history(paths):
    """Lines of every history file: list of split lines."""
    out = []
    for p in paths:
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(line.split())
    return out


class Log:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.mu = threading.Lock()

    def put(self, *fields):
        with self.mu:
            os.write(self.fd, (" ".join(str(f) for f in fields) + "\n").encode())


class Dead(Exception):
    pass


class Booth:
    def __init__(self, url, ctx, token):
        u = urlparse(url)
        self.host, self.port, self.ctx, self.token = u.hostname, u.port, ctx, token
        self.conn = None

    def req(self, method, path, body):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port,
                                                            context=self.ctx, timeout=20)
                self.conn.request(method, path, body=json.dumps(body),
                                  headers={"Authorization": "Bearer " + self.token,
                                           "Content-Type": "application/json"})
                r = self.conn.getresponse()
                data = r.read()
                try:
                    doc = json.loads(data) if data else {}
                except ValueError:
                    doc = {"error": "not json: %r" % data[:60]}
                return r.status, doc
            except (OSError, http.client.HTTPException) as e:
                try:
                    self.conn.close()
                except Exception:
                    pass
                self.conn = None
                # a kept-alive connection the server closed: one new try,
                # unless nothing answers at all
                if attempt or isinstance(e, (ConnectionRefusedError, TimeoutError)):
                    raise Dead(type(e).__name__)
        raise Dead("no answer")


def person(cid):
    h = hashlib.sha256(cid.encode()).hexdigest()
    return {"doc_code": "P", "issuer": "BGR", "doc_number": ("D" + h[:8]).upper(),
            "surname": "TRAVELLER", "given_names": "ID " + h[8:12].upper(),
            "nationality": "BGR", "birth_date": "1980-01-01", "sex": "M"}


def register(b, log, cid, booth):
    """Check then cross; logs the outcome. Raises Dead if the post is gone."""
    log.put("A", cid, booth)
    for _ in range(2):
        st, doc = b.req("POST", "/api/v1/check", {"manual": person(cid)})
        if st != 200 or "check_id" not in doc:
            log.put("N", cid, st, doc.get("error", "?"))
            return
        log.put("C", cid, doc["check_id"])
        st, doc = b.req("POST", "/api/v1/crossings",
                        {"id": cid, "check_id": doc["check_id"], "direction": "entry",
                         "decision": "admit"})
        if st == 404 and doc.get("error") == "check_not_usable":
            continue  # a restarted post forgot the check: check again
        break
    if 200 <= st < 300 and "index" in doc:
        cp = doc.get("checkpoint") or {}
        log.put("K", cid, doc["index"], doc.get("leaf_hash", "-"), cp.get("size", "-"),
                cp.get("root", "-"))
    else:
        log.put("N", cid, st, doc.get("error", "?"))


def load(o):
    rng = random.Random(o.get("seed", 0))
    hist = read_history([o["history"]])
    tokens = o["tokens"].split(",")
    acked, tried, first = {}, [], {}
    for f in hist:
        if f[0] == "A" and f[1] not in first:
            tried.append(f[1])
            first[f[1]] = int(f[2]) % len(tokens)
        elif f[0] == "K":
            acked[f[1]] = f
    # a crossing is retried by the booth that sent it (the record names
    # the booth and officer: from another booth it is another crossing)
    retry = [i for i in tried if i not in acked][:o.get("retry", len(tried))]
    resend = rng.sample(sorted(acked), min(o.get("resend", 0), len(acked)))
    queues = [[i for i in retry + resend if first[i] == n] for n in range(len(tokens))]
    qmu = threading.Lock()
    counter = [0]
    log = Log(o["history"])
    ctx = ssl.create_default_context(cafile=o["ca"])
    seconds = o.get("seconds", 30)
    deadline = time.monotonic() + seconds
    stop_file = o.get("stop-file")

    def running():
        return time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file))

    def next_id(n):
        with qmu:
            if queues[n]:
                return queues[n].pop(0)
            counter[0] += 1
            return "%s-%d" % (o["prefix"], counter[0])

    def booth(n):
        b = Booth(o["url"], ctx, tokens[n])
        while running() or (seconds == 0 and queues[n]):
            cid = next_id(n)
            try:
                register(b, log, cid, n)
            except Dead as e:
                log.put("X", cid, e)
                return
    threads = [threading.Thread(target=booth, args=(n,)) for n in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def leaf_hash(entry):
    return hashlib.sha256(b"\0" + entry).digest()


def node_hash(a, b):
    return hashlib.sha256(b"\1" + a + b).digest()


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def roots_at(leaves, sizes):
    """{size: RFC 6962 root of leaves[:size]} for each size in sizes (at
    most len(leaves)), in one pass: the tree's compact range (its perfect
    subtrees, left to right) folded from the right at each size."""
    out, stack = {}, []
    want = sorted(x for x in sizes if x <= len(leaves))
    w = 0
    if want and want[0] == 0:
        out[0] = hashlib.sha256(b"").digest()
        w = 1
    for i, leaf in enumerate(leaves):
        if w == len(want):
            break
        stack.append((0, leaf))
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            (h, b), (_, a) = stack.pop(), stack.pop()
            stack.append((h + 1, node_hash(a, b)))
        while w < len(want) and want[w] == i + 1:
            r = stack[-1][1]
            for _, n in reversed(stack[:-1]):
                r = node_hash(n, r)
            out[i + 1] = r
            w += 1
    return out


def note_root(note):
    """(size, root bytes) of a C2SP checkpoint note's body."""
    lines = note.split("\n")
    import base64
    return int(lines[1]), base64.b64decode(lines[2])


def check(o):
    hist = read_history(o["history"].split(","))
    attempted, acks, refused = set(), {}, {}
    checkpoints = set()
    answered = set()
    mismatch = 0
    for f in hist:
        if f[0] == "A":
            attempted.add(f[1])
        elif f[0] == "N":
            refused[f[2] + " " + f[3]] = refused.get(f[2] + " " + f[3], 0) + 1
        elif f[0] == "C":
            answered.add(f[2])
        elif f[0] == "K":
            cid, idx, leaf = f[1], int(f[2]), f[3]
            if cid in acks and acks[cid][0] != idx:
                mismatch += 1  # a retry answered with another index
            acks.setdefault(cid, (idx, leaf))
            if f[4] != "-":
                checkpoints.add((int(f[4]), f[5]))
    db = sqlite3.connect(o["db"])
    rows = db.execute("SELECT idx, ref, entry FROM records ORDER BY idx").fetchall()
    latest = db.execute("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    db.close()
    leaves = [leaf_hash(bytes(r[2])) for r in rows]
    centre = None
    if o.get("mirror"):
        m = sqlite3.connect(o["mirror"])
        mrows = m.execute("SELECT idx, entry FROM entries ORDER BY idx").fetchall()
        m.close()
        mleaves = {i: leaf_hash(bytes(e)).hex() for i, e in mrows}
        # present at the centre: acknowledged, and the centre's entry at its
        # index is the one acknowledged; the mirror is the post's log
        centre = (sum(1 for c, (idx, leaf) in acks.items() if mleaves.get(idx) == leaf),
                  len(mrows), sum(1 for i, e in enumerate(leaves) if mleaves.get(i) != e.hex()))
        # the mirror's root at the size of the post's latest checkpoint
        # (recomputed from the mirror's own entries) is the post's signed
        # one, and the mirror holds nothing beyond the post's log
        mroot = "NO"
        if latest:
            size, root = note_root(latest[1])
            ml = [bytes.fromhex(mleaves[i]) for i in range(size) if i in mleaves]
            if len(ml) == size and mth(ml) == root and len(mrows) <= len(leaves):
                mroot = "yes (size %d)" % size
        centre += (mroot,)
    store = None
    if o.get("store"):
        # the centre's query store: one row per (origin, index), its leaf
        s = sqlite3.connect(o["store"])
        srows = s.execute("SELECT idx, leaf FROM crossings WHERE origin = ?",
                          (o["origin"],)).fetchall()
        s.close()
        sleaves = {}
        for i, lf in srows:
            sleaves.setdefault(i, []).append(lf)
        store = (sum(1 for c, (idx, leaf) in acks.items() if sleaves.get(idx) == [leaf]),
                 len(srows), sum(1 for i, e in enumerate(leaves) if sleaves.get(i) != [e.hex()]),
                 sum(1 for i in sleaves if i >= len(leaves)))
    unaudited = []
    if o.get("audit"):
        audited = set()
        with open(o["audit"]) as fh:
            for line in fh:
                ev = json.loads(line)
                if ev.get("action") != "check" or ev.get("status") != 200:
                    continue
                try:
                    audited.add(json.loads(ev.get("result") or "{}").get("check_id"))
                except ValueError:
                    pass
        unaudited = sorted(answered - audited)
    if [r[0] for r in rows] != list(range(len(rows))):
        mismatch += 1  # a hole in the log
    by_ref = {}
    for idx, ref, _ in rows:
        if ref is not None:
            by_ref.setdefault(ref, []).append(idx)
    ours = {r: v for r, v in by_ref.items() if r.startswith(o.get("prefix", ""))}
    present = set(ours)
    lost = [c for c, (idx, leaf) in acks.items()
            if c not in present or idx not in ours[c] or
            (leaf != "-" and (idx >= len(leaves) or leaves[idx].hex() != leaf))]
    dup = sum(len(v) - 1 for v in ours.values())
    unexpected = present - attempted
    recovered = present - set(acks)
    roots_ok, checked = True, 0
    roots = roots_at(leaves, set(s for s, _ in checkpoints))
    for size, root in sorted(checkpoints):
        checked += 1
        if size > len(leaves) or roots[size].hex() != root:
            roots_ok = False
    if latest:
        size, root = note_root(latest[1])
        checked += 1
        if size > len(leaves) or mth(leaves[:size]) != root:
            roots_ok = False
    label = o.get("label", "")
    if centre is not None:
        print("%scentre: acknowledged-present %d of %d, mirror %d entries, differing from "
              "the post's log %d, mirror-root-equal %s" % (label + ": " if label else "", centre[0],
                                                         len(acks), centre[1], centre[2], centre[3]))
    if store is not None:
        print("%scentre store: acknowledged-present %d of %d, rows %d, differing from the "
              "post's log %d, beyond it %d" % (label + ": " if label else "", store[0], len(acks),
                                               store[1], store[2], store[3]))
    print("%sattempted %d acknowledged %d present %d lost %d recovered-unacknowledged %d "
          "unexpected %d duplicated %d index-mismatch %d roots-equal %s (%d checked)"
          % (label + ": " if label else "", len(attempted), len(acks), len(present),
             len(lost), len(recovered), len(unexpected), dup, mismatch,
             "yes" if roots_ok else "NO", checked))
    if o.get("audit"):
        print("%schecks answered %d audited %d unaudited %d"
              % (label + ": " if label else "", len(answered), len(answered) - len(unaudited),
                 len(unaudited)))
        for c in unaudited[:10]:
            print("# unaudited: check %s" % c)
    if refused:
        print("# refused answers: " + ", ".join("%s x%d" % kv for kv in sorted(refused.items())))
    for c in sorted(lost)[:10]:
        print("# lost: %s acknowledged at %d" % (c, acks[c][0]))
    bad = lost or unexpected or dup or mismatch or not roots_ok or unaudited
    return 1 if bad else 0


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "load":
        o = parse_args(rest, {"url": str, "ca": str, "tokens": str, "prefix": str,
                              "history": str, "seconds": float, "retry": int,
                              "resend": int, "seed": int, "stop-file": str})
        load(o)
        return 0
    if cmd == "check":
        o = parse_args(rest, {"db": str, "history": str, "label": str, "prefix": str,
                              "mirror": str, "store": str, "origin": str, "audit": str})
        return check(o)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
