#!/usr/bin/env python3
"""gen-man.py — the manual pages of tims, in mdoc(7), from the program itself.

  scripts/gen-man.py [--tims build/tims] [--out man/man1]

tims(1) and one page a command family (tims-mrz(1), tims-post(1) ...). The
SYNOPSIS and DESCRIPTION carry the program's own usage and help text, word
for word, so a page cannot say something the program does not accept;
NAME, EXIT STATUS, FILES, ENVIRONMENT and SEE ALSO are written here.
tests/e2e/man.sh regenerates the pages and fails if the committed ones
differ (run this script after changing a command's help), lints them with
groff -mdoc -ww, and renders each with man -l.
"""
import argparse
import os
import re
import subprocess
import sys

FILES = {
    "post": [("DIR/post.db", "the post's log: crossings, stored hashes, checkpoints (SQLite)"),
             ("DIR/post.skey, DIR/post.vkey", "the post's signing key (mode 0600) and its public half"),
             ("DIR/checkpoint", "the latest signed checkpoint, outside the database"),
             ("DIR/node.db, DIR/store.key", "officer accounts and sessions; the key sealing TOTP secrets"),
             ("DIR/audit.db", "the audit log"),
             ("DIR/centre/", "the enrolment: certificates, the centre's keys, the roster key"),
             ("DIR/watchlists/", "the post's copy of the watchlists"),
             ("DIR/bundles.db", "the bundles from the centre applied here")],
    "centre": [("DIR/centre.db", "enrolled posts, events, roster assignments"),
               ("DIR/ca.crt, DIR/ca.key", "the centre's certificate authority"),
               ("DIR/cosign.skey, DIR/bundle.skey, DIR/audit.skey", "the cosigner, bundle and audit keys"),
               ("DIR/mirror/", "one verified mirror per post"),
               ("DIR/query.db", "the national query store (SQLite; or --store pg:...)"),
               ("DIR/node.db, DIR/store.key", "the centre's people: dashboard logins and the accounts sent to posts"),
               ("DIR/roster/NAME.key", "each post's roster key"),
               ("DIR/witnesses/", "witness keys trusted for rebuilds"),
               ("DIR/watchlists/", "the national watchlists sent to the posts as bundles")],
    "witness": [("DIR/witness.skey, DIR/witness.vkey", "the witness's cosignature key"),
                ("DIR/witness.db", "the logs it witnesses and the latest size of each")],
    "officer": [("DIR/node.db", "accounts and sessions (SQLite, mode 0600)"),
                ("DIR/store.key", "the key sealing the TOTP secrets (mode 0600)")],
    "audit": [("DIR/audit.db", "the audit log (SQLite, mode 0600)"),
              ("DIR/audit.checkpoint", "its latest signed checkpoint")],
    "log": [("DIR/post.db", "the post's log"), ("DIR/checkpoint", "the latest checkpoint, outside the database")],
    "cross": [("DIR/post.db", "the post's log")],
    "history": [("DIR/post.db", "the post's log"), ("DIR/stay-regimes.conf", "the stay rules by nationality")],
    "watchlist": [("DIR/watchlists.db", "the lists and their versioned entries (SQLite)")],
    "screen": [("DIR/watchlists.db", "the store screened against")],
    "login": [("$TIMS_SESSION_DIR/NODE-HASH", "the session token (mode 0600, directory 0700)"),
              ("DIR/node.db", "the node's accounts and sessions")],
    "logout": [("$TIMS_SESSION_DIR/NODE-HASH", "the session token, removed")],
}
DOCS = {
    "mrz": ["docs/mrz.md"], "epassport": ["docs/epassport.md"], "post": ["docs/api.md", "docs/console.md", "docs/sync.md"],
    "officer": ["docs/roles.md", "docs/api.md", "docs/bundles.md"], "cross": ["docs/formats.md"],
    "history": ["docs/formats.md"], "audit": ["docs/audit.md"], "log": ["docs/formats.md", "docs/tlog.md"],
    "screen": ["docs/screening.md"], "watchlist": ["docs/watchlists.md"],
    "centre": ["docs/centre.md", "docs/cstore.md", "docs/dashboard.md", "docs/bundles.md"],
    "witness": ["docs/witness.md"], "tlog": ["docs/tlog.md"],
    "login": ["docs/roles.md", "docs/security.md"], "logout": ["docs/roles.md"],
}


# The pages are English whatever the caller's language: LC_ALL=C is the
# program's "English, always" (src/cli_lang.c).
ENGLISH = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_MESSAGES", "LANG")}
ENGLISH["LC_ALL"] = "C"


def run(tims, *args):
    p = subprocess.run([tims, *args], capture_output=True, text=True, env=ENGLISH)
    return (p.stdout or p.stderr).rstrip("\n")


def esc(line):
    """A line of text safe inside a literal display."""
    line = line.replace("\\", "\\e")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def literal(text):
    out = [".Bd -literal -offset indent"]
    out += [esc(l) if l.strip() else "" for l in text.split("\n")]
    out.append(".Ed")
    # mdoc wants no blank lines inside a display: use an empty request.
    return [l if l != "" else ".sp" for l in out]


def families(tims):
    text = run(tims, "help")
    fam = []
    for line in text.split("Commands:", 1)[1].splitlines():
        m = re.match(r"^  (\S+)\s+(.*)$", line)
        if m and m.group(1) not in ("help", "version"):
            fam.append((m.group(1), m.group(2)))
    return fam


def subcommands(help_text):
    """Sub-commands listed under 'Commands:' (families that dispatch)."""
    if "Commands:" not in help_text:
        return []
    subs = []
    for line in help_text.split("Commands:", 1)[1].splitlines():
        m = re.match(r"^  (\S+)\s{2,}\S", line)
        if m:
            subs.append(m.group(1))
    return subs


def header(name, section, desc):
    return [f'.Dd $Mdocdate$', f".Dt {name.upper()} {section}", ".Os TIMS",
            ".Sh NAME", f".Nm {name}", f".Nd {desc}"]


EXIT = [".Sh EXIT STATUS",
        ".Bl -tag -width Ds",
        ".It 0", "Success: every document valid, every proof verified, the work done.",
        ".It 1", "The input was examined and found invalid, or a check failed (tampering found, a refusal).",
        ".It 2", "A usage error, or an I/O or system error that stopped the work.",
        ".El"]


def family_page(tims, fam, desc):
    name = f"tims-{fam}"
    help_text = run(tims, fam, "--help")
    lines = header(name, 1, desc)
    lines += [".Sh SYNOPSIS", ".Nm tims", f".Cm {fam}", ".Op Ar arguments"]
    lines += [".Sh DESCRIPTION",
              f"The {fam} commands of",
              ".Xr tims 1 .",
              "What follows is the program's own help",
              f".Pq Ic tims {fam} --help :"]
    lines += literal(help_text)
    for sub in subcommands(help_text):
        sub_help = run(tims, fam, sub, "--help")
        if sub_help and sub_help != help_text:
            lines += [".Ss " + sub, f".Pq Ic tims {fam} {sub} --help"]
            lines += literal(sub_help)
    lines += EXIT
    if fam in FILES:
        lines += [".Sh FILES", ".Bl -tag -width Ds"]
        for f, what in FILES[fam]:
            lines += [f".It Pa {f}", what + "."]
        lines += [".El"]
    lines += [".Sh SEE ALSO", ".Xr tims 1"]
    docs = DOCS.get(fam, [])
    if docs:
        lines += [".Pp", "In the source tree: " + ", ".join(docs) + "."]
    return name, lines


def main_page(tims, fams):
    lines = header("tims", 1, "the Traveller Information Management System")
    lines += [".Sh SYNOPSIS", ".Nm", ".Ar command", ".Op Ar arguments",
              ".Sh DESCRIPTION",
              ".Nm",
              "registers every person and vehicle that enters or leaves the country at",
              "its border posts, in a signed, tamper-evident log at each post, and checks",
              "each traveller against the watchlists at the booth.",
              "Every post keeps working alone when the centre is unreachable; a national",
              "centre mirrors every post's log after verifying it and can be rebuilt from",
              "the posts; every read of personal data is audited.",
              ".Pp",
              "The commands, each with a manual page of its own:",
              ".Bl -tag -width watchlist"]
    for f, d in fams:
        lines += [f".It Cm {f}", d[0].upper() + d[1:] + ";", "see", f".Xr tims-{f} 1 ."]
    lines += [".El", ".Pp", "The program's own list:"]
    lines += literal(run(tims, "help"))
    lines += EXIT
    lines += [".Sh ENVIRONMENT", ".Bl -tag -width Ds",
              ".It Ev TIMS_WEB",
              "The folder of the web consoles served by",
              ".Ic tims post serve",
              "and",
              ".Ic tims centre serve",
              "(default: web/ beside the program's build directory, or",
              ".Pa ../share/tims/web",
              "beside the program).",
              ".El",
              ".Sh SEE ALSO"]
    xs = [f".Xr tims-{f} 1" for f, _ in fams]
    lines += [x + " ," for x in xs[:-1]] + [xs[-1]]
    lines += [".Pp", "README.md and docs/ in the source tree; the guarantees, docs/guarantees.md."]
    return "tims", lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tims", default="build/tims")
    ap.add_argument("--out", default="man/man1")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    fams = families(a.tims)
    pages = [main_page(a.tims, fams)] + [family_page(a.tims, f, d) for f, d in fams]
    for name, lines in pages:
        text = "\n".join(lines) + "\n"
        # the page's own date: fixed, so that regenerating changes nothing
        text = text.replace("$Mdocdate$", "November 23 2026")
        with open(os.path.join(a.out, name + ".1"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"gen-man: {len(pages)} pages in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
