#!/usr/bin/env python3
"""Run asyncheck on the real-bug benchmark (bench/realbugs/cases.toml).

For each case the crate that holds the defect (the nearest Cargo.toml above the
file) is laid out from the fetched git repository at the parent commit and at
the fix commit (git archive into a temporary folder), asyncheck checks the
crate dir, and the case is:

  caught   a finding of the case's rule whose primary line is within 3 lines of
           the defect line, in that file, at the parent;
  cleared  caught, and at the fix that finding is gone: fewer findings of the
           rule in the file than at the parent, or none within 3 lines of the
           place the defect line maps to through the fix's diff.

Cases whose rule is "none" are listed with whatever findings (of any rule) sit
near the defect line: they are where the next rules come from.

Only the standard library is used. The fetched repositories are bare git dirs:
by default <repos-dir>/<owner>+<name>/repo (where the `fetch` tool puts them);
--repo owner/name=PATH overrides one.

  python3 bench/realbugs/run.py --asyncheck target/release/asyncheck
  python3 bench/realbugs/run.py --default ...    # default rules only
  python3 bench/realbugs/run.py --both --write   # both, and write docs/realbugs.md
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NEAR = 3

# The rule names of the contract (../shared/spec/rules.md); a case names one of
# them, or "none". The binary under test may not know them all yet.
CONTRACT_RULES = {
    "unbounded-channel", "detached-spawn", "uncancellable-loop", "missing-timeout",
    "cancel-unsafe-select", "manual-question-mark", "unwrap-in-fallible-async",
    "mutex-for-task-results", "prefer-try-join", "blocking-in-async", "block-on-in-async",
    "lock-across-await", "async-lock-across-await", "unbounded-fanout", "joinset-dropped",
    "lock-order-inversion", "client-without-timeout", "retry-without-backoff",
    "runtime-in-async", "unnecessary-async-mutex", "double-lock", "pending-without-waker",
    "permit-released-early", "panic-on-closed-channel", "joinset-never-reaped",
    "timer-reset-in-select-loop", "select-on-empty-set", "select-pattern-drops-value",
    "await-ignores-cancellation",
}


# ---------------------------------------------------------------- cases

def parse_cases_fallback(text):
    """Enough TOML for cases.toml: [[case]] tables of string/int keys."""
    cases, cur = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "[[case]]":
            cur = {}
            cases.append(cur)
            continue
        m = re.match(r'^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.+)$', line)
        if not m or cur is None:
            raise ValueError("cannot parse line: %r" % raw)
        key, val = m.group(1), m.group(2).strip()
        if val.startswith('"'):
            cur[key] = json.loads(val)
        else:
            cur[key] = int(val)
    return {"case": cases}


def load_cases(path):
    with open(path, "rb") as f:
        data = f.read()
    if tomllib is not None:
        doc = tomllib.loads(data.decode("utf-8"))
    else:
        doc = parse_cases_fallback(data.decode("utf-8"))
    cases = doc.get("case", [])
    for c in cases:
        for key in ("id", "repo", "fix", "parent", "file", "line", "rule", "description"):
            if key not in c:
                raise SystemExit("case %s lacks %s" % (c.get("id", "?"), key))
        if c["rule"] != "none" and c["rule"] not in CONTRACT_RULES:
            raise SystemExit("case %s: unknown rule %r" % (c["id"], c["rule"]))
        if not isinstance(c["line"], int) or c["line"] < 1:
            raise SystemExit("case %s: line must be a positive integer" % c["id"])
    return cases


# ---------------------------------------------------------------- git

def git(gitdir, *args, check=True, binary=False):
    p = subprocess.run(["git", "--git-dir", gitdir] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), p.stderr.decode(errors="replace").strip()))
    if binary:
        return p.stdout
    return p.stdout.decode("utf-8", errors="replace") if p.returncode == 0 else None


def exists(gitdir, rev, path):
    return subprocess.run(["git", "--git-dir", gitdir, "cat-file", "-e", "%s:%s" % (rev, path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def crate_dir(gitdir, rev, path):
    """Nearest folder above `path` holding a Cargo.toml at `rev` ('' = repo root)."""
    d = os.path.dirname(path)
    while True:
        cand = (d + "/Cargo.toml") if d else "Cargo.toml"
        if exists(gitdir, rev, cand):
            return d
        if not d:
            return ""
        d = os.path.dirname(d)


def layout(gitdir, rev, crate, dest, whole_tree):
    """Extract the crate dir of `rev` into `dest`: its `.rs` files and every
    `Cargo.toml` in it and above it (workspace settings, other members'
    manifests). That is all asyncheck reads; it also avoids data files that a
    fetched snapshot may lack (blobs of 4 MiB and more are not stored).
    With `whole_tree`, every file of the repository that is present."""
    os.makedirs(dest, exist_ok=True)
    prefix = (crate + "/") if crate else ""
    if whole_tree:
        specs = ["."]
    else:
        specs = [":(glob)%s**/*.rs" % prefix, ":(glob)**/Cargo.toml"]
    p = subprocess.run(["git", "--git-dir", gitdir, "archive", "--format=tar", rev, "--"] + specs,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tar = p.stdout
    if p.returncode != 0:
        # some blob is absent from the snapshot: archive only the blobs present
        listing = git(gitdir, "ls-tree", "-r", "-z", "--full-tree", rev, "--", *specs, check=True)
        entries = [e for e in listing.split("\0") if e]
        objs = {}
        for e in entries:
            meta, _, path = e.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                objs[path] = parts[2]
        check = subprocess.run(["git", "--git-dir", gitdir, "cat-file", "--batch-check"],
                               input="\n".join(objs.values()).encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        missing = {l.split()[0] for l in check.stdout.decode().splitlines() if l.endswith(" missing")}
        for path, oid in objs.items():
            if oid in missing:
                continue
            out = os.path.join(dest, path)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(git(gitdir, "cat-file", "blob", oid, binary=True))
        return
    p = subprocess.run(["tar", "-x", "-C", dest], input=tar,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("tar: " + p.stderr.decode(errors="replace"))


def line_map(gitdir, parent, fix, path):
    """Return f(parent_line) -> fix_line following the -U0 diff of `path`."""
    out = git(gitdir, "diff", "-U0", "--no-color", parent, fix, "--", path, check=False) or ""
    hunks = []
    for m in re.finditer(r'^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@', out, re.M):
        a, al = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
        b, bl = int(m.group(3)), int(m.group(4) if m.group(4) is not None else 1)
        hunks.append((a, al, b, bl))

    def f(line):
        delta = 0
        for a, al, b, bl in hunks:
            start = a if al > 0 else a + 1  # al == 0: pure insertion after line a
            if line < start:
                break
            if al > 0 and line < a + al:
                return b  # inside a changed region: its new start
            delta = (b + bl) - (a + al)
        return line + delta
    return f


# ---------------------------------------------------------------- asyncheck

def run_asyncheck(binary, root, crate, select_all, timeout):
    cmd = [binary, "check", "--no-cache", "--format", "json", "--exit-zero", "--quiet"]
    if select_all:
        cmd += ["--select", "all"]
    cmd.append(crate if crate else ".")
    try:
        p = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout after %ss" % timeout
    if p.returncode not in (0, 1):
        return None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[:300])
    try:
        doc = json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        return None, "bad json: %s" % e
    diags = doc.get("diagnostics", doc if isinstance(doc, list) else [])
    return diags, None


def norm(path):
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def findings_in(diags, path):
    out = []
    for d in diags or []:
        if norm(d.get("path", "")) == path:
            out.append((d.get("rule"), (d.get("start") or {}).get("line") or 0))
    return out


def known_rules(binary):
    try:
        p = subprocess.run([binary, "rules", "--format", "json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        return {r["name"] for r in json.loads(p.stdout.decode("utf-8"))}
    except Exception:
        return set()


def asyncheck_commit(binary):
    d = os.path.dirname(os.path.abspath(binary))
    # the last commit that touched the analyzer (not this benchmark)
    code = [":/crates", ":/Cargo.toml", ":/Cargo.lock"]
    p = subprocess.run(["git", "-C", d, "log", "-1", "--format=%h", "--abbrev=12", "--"] + code,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if p.returncode == 0 and p.stdout.strip():
        commit = p.stdout.decode().strip()
        dirty = subprocess.run(["git", "-C", d, "status", "--porcelain", "--untracked-files=no",
                                "--"] + code,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    return "unknown"


# ---------------------------------------------------------------- one case

class Runner:
    def __init__(self, args, select_all=True):
        self.args = args
        self.select_all = select_all
        self.tmp = tempfile.mkdtemp(prefix="realbugs-")
        self.cache = {}  # (repo, rev, crate) -> (diags, err)
        self.lock = __import__("threading").Lock()
        self.inflight = {}

    def gitdir(self, repo):
        if repo in self.args.repo_map:
            return self.args.repo_map[repo]
        base = os.path.join(self.args.repos_dir, repo.replace("/", "+"))
        for cand in (os.path.join(base, "repo"), base, base + ".git"):
            if os.path.isdir(cand) and (os.path.exists(os.path.join(cand, "HEAD"))):
                return cand
        return None

    def check(self, repo, gitdir, rev, crate):
        key = (repo, rev, crate)
        with self.lock:
            if key in self.cache:
                return self.cache[key]
            ev = self.inflight.get(key)
            owner = ev is None
            if owner:
                ev = __import__("threading").Event()
                self.inflight[key] = ev
        if not owner:
            ev.wait()
            return self.cache[key]
        dest = os.path.join(self.tmp, "%s-%s-%d" % (repo.replace("/", "+"), rev[:12], abs(hash(crate)) % 100000))
        try:
            layout(gitdir, rev, crate, dest, self.args.whole_tree)
            res = run_asyncheck(self.args.asyncheck, dest, crate, self.select_all,
                                self.args.timeout)
        except Exception as e:  # noqa: BLE001 - report and go on
            res = (None, str(e))
        finally:
            if not self.args.keep:
                shutil.rmtree(dest, ignore_errors=True)
        with self.lock:
            self.cache[key] = res
            ev.set()
        return res

    def run_case(self, c):
        r = {"case": c, "caught": False, "cleared": False, "error": None,
             "parent_near": [], "fix_near": [], "note": ""}
        gitdir = self.gitdir(c["repo"])
        if gitdir is None:
            r["error"] = "repository not fetched (%s)" % c["repo"]
            return r
        try:
            crate = crate_dir(gitdir, c["parent"], c["file"])
        except Exception as e:  # noqa: BLE001
            r["error"] = str(e)
            return r
        path = c["file"]
        line = int(c["line"])
        rule = c["rule"]
        diags, err = self.check(c["repo"], gitdir, c["parent"], crate)
        if err:
            r["error"] = "parent: " + err
            return r
        pf = findings_in(diags, path)
        r["parent_near"] = sorted({(ru, ln) for ru, ln in pf if abs(ln - line) <= NEAR})
        if rule == "none":
            return r
        hits = [ln for ru, ln in pf if ru == rule and abs(ln - line) <= NEAR]
        r["caught"] = bool(hits)
        if not r["caught"]:
            return r
        # the fix
        fcrate = crate if exists(gitdir, c["fix"], (crate + "/Cargo.toml") if crate else "Cargo.toml") \
            else crate_dir(gitdir, c["fix"], path)
        fdiags, ferr = self.check(c["repo"], gitdir, c["fix"], fcrate)
        if ferr:
            r["error"] = "fix: " + ferr
            return r
        ff = findings_in(fdiags, path)
        mapped = line_map(gitdir, c["parent"], c["fix"], path)(line)
        r["fix_near"] = sorted({(ru, ln) for ru, ln in ff if abs(ln - mapped) <= NEAR})
        before = sum(1 for ru, _ in pf if ru == rule)
        after = sum(1 for ru, _ in ff if ru == rule)
        near_after = [ln for ru, ln in ff if ru == rule and abs(ln - mapped) <= NEAR]
        r["cleared"] = after < before or not near_after
        r["note"] = "rule findings in file %d -> %d; fix line %d" % (before, after, mapped)
        return r


# ---------------------------------------------------------------- report

def summarize(results):
    answered = [r for r in results if r["case"]["rule"] != "none"]
    return (len(answered), sum(1 for r in answered if r["caught"]),
            sum(1 for r in answered if r["cleared"]))


def render(runs, rules_known, commit, repos):
    """runs: list of (mode label, results), the first is the main one."""
    label, results = runs[0]
    extra = runs[1:]
    by_rule = {}
    for r in results:
        by_rule.setdefault(r["case"]["rule"], []).append(r)
    n_ans, caught, cleared = summarize(results)
    lines = []
    lines.append("# Real-bug benchmark")
    lines.append("")
    lines.append("- date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    lines.append("- asyncheck commit: `%s`" % commit)
    lines.append("- cases: %d async bug fixes (%d that a rule should answer, %d that no rule answers "
                 "yet) from %d repositor%s: %s"
                 % (len(results), n_ans, len(results) - n_ans, len(repos), "y" if len(repos) == 1 else "ies", ", ".join(sorted(repos))))
    for lab, res in runs:
        a, c, cl = summarize(res)
        lines.append("- %s: caught **%d of %d** (%.0f%%) of the cases a rule should answer, "
                     "%d of all %d (%.0f%%); cleared by the fix: %d of the %d caught"
                     % (lab, c, a, 100.0 * c / max(1, a), c, len(res), 100.0 * c / max(1, len(res)),
                        cl, c))
    errs = [r for r in results if r["error"]]
    if errs:
        lines.append("- errors: %d cases could not be run (see below)" % len(errs))
    lines.append("")
    lines.append("A case is *caught* when a finding of its rule starts within %d lines of the "
                 "defect line in the parent commit, and *cleared* when, at the fix, that rule has "
                 "fewer findings in the file or none near the defect's new place. Cases (references "
                 "only: repository, fix and parent commits, file, line) are in "
                 "`bench/realbugs/cases.toml`; `python3 bench/realbugs/run.py --help` runs them." % NEAR)
    lines.append("")
    head = "| rule | cases | caught | cleared |"
    sep = "| --- | ---: | ---: | ---: |"
    for lab, _ in extra:
        head += " caught (%s) |" % lab
        sep += " ---: |"
    lines.append("Per rule, %s:" % label)
    lines.append("")
    lines.append(head)
    lines.append(sep)
    extra_by_id = [{r["case"]["id"]: r for r in res} for _, res in extra]
    for rule in sorted(by_rule, key=lambda k: (k == "none", -len(by_rule[k]), k)):
        rs = by_rule[rule]
        if rule == "none":
            row = "| none (no rule yet) | %d | - | - |" % len(rs) + " - |" * len(extra)
        else:
            tag = rule
            if rules_known and rule not in rules_known:
                tag += " (not in this build)"
            row = "| %s | %d | %d | %d |" % (tag, len(rs), sum(r["caught"] for r in rs),
                                            sum(r["cleared"] for r in rs))
            for m in extra_by_id:
                row += " %d |" % sum(m[r["case"]["id"]]["caught"] for r in rs)
        lines.append(row)
    row = "| **total** | %d | %d | %d |" % (len(results), caught, cleared)
    for _, res in extra:
        row += " %d |" % summarize(res)[1]
    lines.append(row)
    lines.append("")
    per_repo = {}
    for r in results:
        e = per_repo.setdefault(r["case"]["repo"], [0, 0, 0])
        e[0] += 1
        if r["case"]["rule"] != "none":
            e[1] += 1
        e[2] += r["caught"]
    lines.append("Per repository, %s:" % label)
    lines.append("")
    lines.append("| repository | cases | a rule should answer | caught |")
    lines.append("| --- | ---: | ---: | ---: |")
    for repo in sorted(per_repo):
        e = per_repo[repo]
        lines.append("| %s | %d | %d | %d |" % (repo, e[0], e[1], e[2]))
    lines.append("")
    shapes = {}
    for r in results:
        if r["case"]["rule"] == "none":
            shapes.setdefault(r["case"].get("shape", "unclassified"), []).append(r["case"]["id"])
    if shapes:
        lines.append("## Shapes no rule answers yet")
        lines.append("")
        lines.append("| shape | cases | ids |")
        lines.append("| --- | ---: | --- |")
        for shape in sorted(shapes, key=lambda k: (-len(shapes[k]), k)):
            lines.append("| %s | %d | %s |" % (shape, len(shapes[shape]),
                                              ", ".join("`%s`" % i for i in shapes[shape])))
        lines.append("")
    lines.append("## Cases (%s)" % label)
    lines.append("")
    for r in results:
        c = r["case"]
        if r["error"]:
            status = "ERROR (%s)" % r["error"]
        elif c["rule"] == "none":
            status = "no rule (%s)" % c.get("shape", "unclassified")
        elif r["caught"]:
            status = "caught, cleared" if r["cleared"] else "caught, NOT cleared"
        else:
            status = "missed"
        near = ", ".join("%s@%d" % x for x in r["parent_near"]) or "-"
        lines.append("- `%s` %s `%s` %s:%d [%s] %s — %s; findings near the line: %s"
                     % (c["id"], c["repo"], c["fix"][:10], c["file"], c["line"], c["rule"],
                        status, c["description"], near))
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--asyncheck", default=os.path.join(ROOT, "target", "release", "asyncheck"),
                    help="asyncheck binary (default: target/release/asyncheck)")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.toml"))
    ap.add_argument("--repos-dir", default=os.environ.get("REALBUGS_REPOS", "/work/.mirror"),
                    help="folder of fetched repositories, <owner>+<name>/repo "
                         "(env REALBUGS_REPOS; default /work/.mirror)")
    ap.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME=GITDIR",
                    help="git dir of one repository (repeatable)")
    ap.add_argument("--default", action="store_true",
                    help="run asyncheck with its default rules instead of --select all")
    ap.add_argument("--both", action="store_true",
                    help="run every rule, then the default rules, and report both")
    ap.add_argument("--only", default="", help="comma-separated case ids, repositories or rules")
    ap.add_argument("--jobs", type=int, default=max(1, min(8, (os.cpu_count() or 2) // 2)))
    ap.add_argument("--timeout", type=int, default=900, help="seconds per asyncheck run")
    ap.add_argument("--whole-tree", action="store_true",
                    help="lay out the whole repository, not only the crate dir")
    ap.add_argument("--keep", action="store_true", help="keep the laid-out trees")
    ap.add_argument("--write", action="store_true", help="also write docs/realbugs.md")
    ap.add_argument("--output", default=os.path.join(ROOT, "docs", "realbugs.md"))
    ap.add_argument("--json", help="also write per-case results as JSON to this file")
    ap.add_argument("--asyncheck-commit", help="the asyncheck commit to report (default: the last "
                    "commit touching crates/ in the checkout holding the binary)")
    args = ap.parse_args()
    args.repo_map = {}
    for spec in args.repo:
        k, _, v = spec.partition("=")
        args.repo_map[k] = v
    if not os.path.exists(args.asyncheck):
        raise SystemExit("no asyncheck binary at %s (build it: cargo build --release -p asyncheck-cli)"
                         % args.asyncheck)
    args.asyncheck = os.path.abspath(args.asyncheck)

    cases = load_cases(args.cases)
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate case ids in %s" % args.cases)
    if args.only:
        want = set(args.only.split(","))
        cases = [c for c in cases if c["id"] in want or c["repo"] in want or c["rule"] in want]

    if args.both:
        modes = [("every rule on (`--select all`)", True), ("default rules", False)]
    elif args.default:
        modes = [("default rules", False)]
    else:
        modes = [("every rule on (`--select all`)", True)]
    runs = []
    for label, select_all in modes:
        runner = Runner(args, select_all)
        results = [None] * len(cases)
        print("%s:" % label, file=sys.stderr)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
                futs = {ex.submit(runner.run_case, c): i for i, c in enumerate(cases)}
                for fut in concurrent.futures.as_completed(futs):
                    i = futs[fut]
                    results[i] = fut.result()
                    r = results[i]
                    print("  %-16s %s" % (r["case"]["id"],
                                          "error" if r["error"] else
                                          ("caught" if r["caught"] else "-")), file=sys.stderr)
        finally:
            shutil.rmtree(runner.tmp, ignore_errors=True)
        runs.append((label, results))
    results = runs[0][1]

    text = render(runs, known_rules(args.asyncheck),
                  args.asyncheck_commit or asyncheck_commit(args.asyncheck),
                  {c["repo"] for c in cases})
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"id": r["case"]["id"], "rule": r["case"]["rule"], "caught": r["caught"],
                        "cleared": r["cleared"], "error": r["error"],
                        "parent_near": r["parent_near"], "fix_near": r["fix_near"],
                        "shape": r["case"].get("shape"),
                        "note": r["note"]} for r in results], f, indent=1)
    if args.write:
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
