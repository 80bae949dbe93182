# crashfs.sh — the power-loss harness's own test (issue 19): every write
# call tests/lib/crashfs.c claims to follow is journaled, and
# tests/lib/powercut.py drops it at a cut when it was not synced and keeps
# it when it was. A process (python3, whose os module calls libc's
# write, pwrite64, writev, pwritev64v2, truncate64; pwritev, syncfs by
# ctypes) writes one file
# per call under the journal and kills itself with nothing synced, or
# syncs it each way there is; the directory is then cut twice: keeping
# every unsynced write ("all": the file must hold what was written — a
# call the shim lets through without a record leaves it empty; this is how
# PostgreSQL 15's pwritev went unseen) and keeping none ("none": an
# unsynced write is gone, a synced one stays).
. tests/e2e/lib.sh
ROOT=${TIMS_ROOT:-$PWD}
CRASH_SO=$ROOT/build/tests/libcrashfs.so
[ -f "$CRASH_SO" ] || make -s -C "$ROOT" build/tests/libcrashfs.so >&2 ||
	{ t_report fail "build $CRASH_SO"; t_end; exit 1; }
D=$T_TMP/d
mkdir -p "$D"
cp -a "$D" "$T_TMP/base"
cat >"$T_TMP/writer.py" <<'PY'
import ctypes, os, signal, sys
d = sys.argv[1]
data = b"".join(bytes([65 + i % 26]) * 700 for i in range(6))  # 4200 bytes
def f(name, flags=0):
    # a new file, its name synced with the directory: what the cut decides
    # is the data alone
    fd = os.open(os.path.join(d, name), os.O_RDWR | os.O_CREAT | flags, 0o600)
    dfd = os.open(d, os.O_RDONLY); os.fsync(dfd); os.close(dfd)
    return fd
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_char_p), ("len", ctypes.c_size_t)]
def iov(*parts):
    return (iovec * len(parts))(*[iovec(p, len(p)) for p in parts]), len(parts)
# syncfs first: it syncs every file, what came before it too
fd = f("syncfs"); os.writev(fd, [data])
fd2 = f("syncfs-late"); os.write(fd2, data[:100])
if libc.syncfs(fd) != 0:
    raise SystemExit("syncfs: errno %d" % ctypes.get_errno())
os.write(fd2, data[100:])  # after the syncfs: unsynced
fd = f("write"); os.write(fd, data)
fd = f("pwrite"); os.pwrite(fd, data, 0)
fd = f("writev"); os.writev(fd, [data[:1000], data[1000:]])
# pwritev as PostgreSQL calls it (the symbol pwritev; python's os.pwritev
# calls pwritev64v2)
fd = f("pwritev"); v, n = iov(data[:512], data[512:3000], data[3000:])
if libc.pwritev(fd, v, n, ctypes.c_long(0)) != len(data):
    raise SystemExit("pwritev: errno %d" % ctypes.get_errno())
fd = f("pwritev64v2"); os.pwritev(fd, [data[:2000], data[2000:]], 0, 0)
fd = f("truncate"); os.pwrite(fd, data, 0); os.fsync(fd); os.truncate(os.path.join(d, "truncate"), 100)
# synced as they return, or by a call of their own
fd = f("o_dsync", os.O_DSYNC); os.pwrite(fd, data, 0)
fd = f("rwf_dsync"); os.pwritev(fd, [data], 0, os.RWF_DSYNC)
fd = f("fdatasync"); os.pwritev(fd, [data], 0); os.fdatasync(fd)
os.kill(os.getpid(), signal.SIGKILL)
PY
{ TIMS_CRASH_DIR=$D TIMS_CRASH_JOURNAL=$T_TMP/journal LD_PRELOAD=$CRASH_SO /usr/bin/python3 "$T_TMP/writer.py" "$D"; } 2>/dev/null
t_eq "the writer ran to its kill (SIGKILL, status 137)" 137 "$?"
# The directory as a cut keeping every unsynced write ("all") and one
# keeping none ("none") leave it, in one Python: for each file, its name,
# size, bytes of data (not zero: a file that grew may keep its new length
# with zeros where the data did not arrive) and digest
cuts=$(/usr/bin/python3 - "$ROOT/tests/lib" "$D" "$T_TMP" <<'PY'
import contextlib, hashlib, io, os, shutil, sys
sys.path.insert(0, sys.argv[1])
import powercut
d, tmp = sys.argv[2], sys.argv[3]
for mode in ("all", "none"):
    c = os.path.join(tmp, "c-" + mode)
    shutil.copytree(d, c)
    with contextlib.redirect_stdout(io.StringIO()):
        powercut.cut({"dir": c, "base": os.path.join(tmp, "base"),
                      "journal": os.path.join(tmp, "journal"), "seed": 1, "mode": mode})
    for f in sorted(os.listdir(c)):
        b = open(os.path.join(c, f), "rb").read()
        print(mode, f, len(b), len(b.replace(b"\0", b"")), hashlib.md5(b).hexdigest()[:8])
PY
)
all=$(echo "$cuts" | sed -n 's/^all //p')
none=$(echo "$cuts" | sed -n 's/^none //p')
full=$(md5sum <"$D/write" | cut -c1-8)
for c in write pwrite writev pwritev pwritev64v2; do
	t_match "$c: followed (the cut keeping every write holds it whole)" "^$c 4200 4200 $full\$" "$all"
	t_match "$c: unsynced, gone at a cut keeping none" "^$c [0-9]+ 0 " "$none"
done
t_match "truncate(2) by name: followed (100 bytes after a cut keeping every write)" "^truncate 100 100 " "$all"
t_match "truncate(2) by name: unsynced, the synced 4200 bytes back at a cut keeping none" "^truncate 4200 4200 $full\$" "$none"
for c in o_dsync rwf_dsync fdatasync syncfs; do
	t_match "$c: synced, kept at a cut keeping none" "^$c 4200 4200 $full\$" "$none"
done
t_match "syncfs: what came before it kept, what came after it dropped" "^syncfs-late [0-9]+ 100 " "$none"
t_end
