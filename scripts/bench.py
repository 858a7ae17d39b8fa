#!/usr/bin/env python3
"""Side-by-side benchmark: keyleak against ripgrep (and gitleaks and Kingfisher
when installed) on the same tree, run alternately, several runs each.
Prints median wall time, ratio to `rg -uuu`, throughput and peak RSS.

Usage: scripts/bench.py [--runs N] [--threads N] [--no-peers] [TREE]
       scripts/bench.py --budgets [--history REPO] [TREE]   (memory and time budgets, pass/over)
       scripts/bench.py --history REPO [--runs N]   (history: scan --git vs peers)
       scripts/bench.py --hook REPO                   (pre-commit: scan --staged of 5 files)
       scripts/bench.py --against OTHER-KEYLEAK ...   (adds that binary's rows beside this build's:
                                                       before/after a change, measured side by side)
  TREE defaults to a checkout of every Swift package under /opt/swift-packages
  (made once in /tmp/keyleak-bench-tree), else .build/checkouts.
  Peers: put gitleaks/kingfisher on PATH or in .peers/bin
  (../shared/tools/install-peers.sh .peers/bin installs both).
This is a benchmark, not a test: it asserts nothing and never fails on speed.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATTERN = r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----|OCI_API_KEY|key_file\s*="


def find_tool(name):
    local = os.path.join(ROOT, ".peers", "bin", name)
    return local if os.access(local, os.X_OK) else shutil.which(name)


def default_tree():
    source = "/opt/swift-packages"
    tree = "/tmp/keyleak-bench-tree"
    if os.path.isdir(tree):
        return tree
    if os.path.isdir(source):
        print(f"making {tree} from {source} (once)…", file=sys.stderr)
        os.makedirs(tree)
        for owner in sorted(os.listdir(source)):
            for repo in sorted(os.listdir(os.path.join(source, owner))):
                dest = os.path.join(tree, owner + "-" + repo.removesuffix(".git"))
                if os.path.exists(dest):
                    continue
                subprocess.run(["git", "clone", "-q", "--depth", "1", os.path.join(source, owner, repo), dest],
                               stderr=subprocess.DEVNULL)
        return tree
    return os.path.join(ROOT, ".build", "checkouts")


def timed(cmd):
    """Wall seconds and peak RSS (KiB) of one run; output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


NO_PEERS = False


def peers(target, mode):
    """gitleaks and Kingfisher on TARGET (`dir` or `git`), when installed.
    NOTE: peers write their reports into a scratch folder, never to /dev/null
    (Kingfisher replaces its output file, and would delete /dev/null), and
    Kingfisher's network validation of found secrets stays off."""
    if NO_PEERS:
        return []
    scratch = tempfile.mkdtemp(prefix="keyleak-bench-")
    tools = []
    gitleaks = find_tool("gitleaks")
    if gitleaks:
        tools.append((f"gitleaks {mode}", [gitleaks, mode, target, "--no-banner", "--log-level", "error",
                                           "--report-path", os.path.join(scratch, "gitleaks.json"), "--exit-code", "0"]))
    kingfisher = find_tool("kingfisher")
    if kingfisher:
        tools.append((f"kingfisher ({mode})", [kingfisher, "scan", target, "--no-update-check", "--no-validate",
                                               "--format", "json", "--output", os.path.join(scratch, "kingfisher.json")]))
    return tools


def compare(tools, runs, size, base_name):
    """Warm up, run the tools alternately, print medians, ratios, throughput, peak RSS."""
    for _, cmd in tools:
        timed(cmd)
    samples = {name: [] for name, _ in tools}
    for _ in range(runs):
        for name, cmd in tools:
            samples[name].append(timed(cmd))
    base = statistics.median(s[0] for s in samples[base_name]) if base_name in samples else None
    print(f"\n{'tool':<26} {'median s':>9} {'min s':>7} {'ratio':>6} {'MB/s':>7} {'peak RSS MiB':>13}")
    for name, results in samples.items():
        med = statistics.median(r[0] for r in results)
        ratio = f"{med / base:.2f}" if base else "-"
        rss = max(r[1] for r in results) / 1024
        rate = f"{size / 1e6 / med:>7.0f}" if size else "      -"
        print(f"{name:<26} {med:>9.3f} {min(r[0] for r in results):>7.3f} {ratio:>6} {rate} {rss:>13.1f}")
    if base:
        print(f"\nkeyleak / {base_name} = {statistics.median(r[0] for r in samples[tools[0][0]]) / base:.2f}")


AGAINST = None


def against(name, cmd):
    """The same command run by the `--against` binary, as an extra row (or nothing)."""
    return [(name + " (against)", [AGAINST] + cmd[1:])] if AGAINST else []


def history(repo, runs, keyleak):
    blobs = subprocess.run(["git", "-C", repo, "rev-list", "--objects", "--all", "--filter=object:type=blob",
                            "--filter-provided-objects"], capture_output=True, text=True).stdout.count(" ")
    commits = subprocess.run(["git", "-C", repo, "rev-list", "--all"], capture_output=True, text=True).stdout.count("\n")
    report = json.loads(subprocess.run([keyleak, "scan", "--git", "--repo", repo, "--format", "json", "--quiet"],
                                       capture_output=True).stdout)
    size = report["summary"]["bytes"]
    print(f"history: {repo}\n         {commits} commits, {blobs} blobs, {size / 1e6:.0f} MB of blobs, "
          f"{len(report['findings'])} keyleak findings, {runs} runs each")
    tools = [("keyleak scan --git", [keyleak, "scan", "--git", "--repo", repo, "--format", "json", "--quiet"])]
    tools += against(*tools[0])
    rg = find_tool("rg")
    if rg:
        pipeline = f"git -C '{repo}' cat-file --batch-all-objects --batch | {rg} -a -c -e '{PATTERN}'"
        tools.append(("cat-file --batch | rg", ["sh", "-c", pipeline + " >/dev/null; true"]))
    tools += peers(repo, "git")
    compare(tools, runs, size, "cat-file --batch | rg")


def hook(repo, runs, keyleak):
    """A commit of 5 changed files in REPO: the hook's wall time."""
    files = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True).stdout.split("\n")[:5]
    for f in files:
        with open(os.path.join(repo, f), "a") as out:
            out.write("\n// keyleak hook benchmark\n")
    subprocess.run(["git", "-C", repo, "add", "--"] + files, check=True)
    total = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True).stdout.count("\n")
    try:
        print(f"pre-commit: {repo}: {total} files tracked, 5 staged")
        staged = ("keyleak scan --staged", [keyleak, "scan", "--staged", "--repo", repo, "--quiet"])
        compare([staged] + against(*staged) + [("git diff --cached --raw", ["git", "-C", repo, "diff", "--cached", "--raw"])], runs * 4, 0,
                "git diff --cached --raw")
    finally:
        subprocess.run(["git", "-C", repo, "reset", "-q", "--hard"], check=True)


def make_key(folder):
    """An RSA key made now with OpenSSL (never committed), as PEM text."""
    path = os.path.join(folder, "gen.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path],
                   check=True, stderr=subprocess.DEVNULL)
    with open(path) as f:
        pem = f.read()
    os.unlink(path)
    return pem


def markers_row(keyleak):
    """One 12 MB file of a million `OCI_API_KEY` lines (a million findings
    without `--max-findings-per-file`): the budgets row for bounded findings."""
    with tempfile.TemporaryDirectory(prefix="keyleak-bench-") as folder:
        with open(os.path.join(folder, "markers.txt"), "w") as f:
            f.write("OCI_API_KEY\n" * 1_000_000)
        seconds, rss, status = timed([keyleak, "scan", "--format", "json", "--quiet", folder])
    return ("a million marker lines, one file", seconds, rss, status, 64, 15)


def budgets(tree, repo, keyleak):
    """Peak RSS and wall time of the heavy cases against fixed budgets."""
    rows = []
    seconds, rss, status = timed([keyleak, "scan", "--format", "json", "--quiet", tree])
    rows.append((f"tree {os.path.basename(tree)}", seconds, rss, status, 64, None))
    with tempfile.TemporaryDirectory(prefix="keyleak-bench-") as folder:
        # 4 GiB sparse file (no disk used) with a key in its last bytes.
        big = os.path.join(folder, "big.bin")
        pem = make_key(folder)
        with open(big, "wb") as f:
            f.truncate(4 << 30)
            f.seek((4 << 30) - len(pem))
            f.write(pem.encode())
        seconds, rss, status = timed([keyleak, "scan", "--format", "json", "--quiet", folder])
        rows.append(("one 4 GiB file, key at the end", seconds, rss, status, 64, 60))
        rg = find_tool("rg")
        if rg:
            rg_seconds, rg_rss, _ = timed([rg, "-uuu", "-c", "-a", "-e", PATTERN, folder])
            print(f"(rg -uuu -a on the 4 GiB file: {rg_seconds:.2f} s, {rg_rss / 1024:.1f} MiB)")
    rows.append(markers_row(keyleak))
    if repo:
        seconds, rss, status = timed([keyleak, "scan", "--git", "--repo", repo, "--format", "json", "--quiet"])
        rows.append((f"history {os.path.basename(repo)}", seconds, rss, status, 128, None))
    print(f"\n{'case':<34} {'wall s':>8} {'peak RSS MiB':>13} {'budget MiB':>11} {'exit':>5}  verdict")
    for name, seconds, rss, status, rss_budget, time_budget in rows:
        mib = rss / 1024
        ok = mib <= rss_budget and (time_budget is None or seconds <= time_budget) and status in (0, 1)
        extra = f", {time_budget} s" if time_budget else ""
        print(f"{name:<34} {seconds:>8.2f} {mib:>13.1f} {rss_budget:>11}{extra:<6} {status:>3}  {'within budget' if ok else 'OVER BUDGET'}")
    # NOTE: the 4 GiB case must also find its key (exit 1): a fast scan that misses it is no pass.
    if rows[1][3] != 1:
        print("the key at the end of the 4 GiB file was NOT found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--history", metavar="REPO")
    ap.add_argument("--hook", metavar="REPO")
    ap.add_argument("--no-peers", action="store_true", help="leave gitleaks and Kingfisher out (quick runs)")
    ap.add_argument("--budgets", action="store_true", help="peak RSS and time of a large tree, a 4 GiB file, a history")
    ap.add_argument("--against", metavar="KEYLEAK", help="another keyleak binary (an older build) run side by side")
    args = ap.parse_args()
    global NO_PEERS, AGAINST
    NO_PEERS = args.no_peers
    AGAINST = args.against and os.path.abspath(args.against)

    keyleak = os.path.join(ROOT, ".build", "release", "keyleak")
    # The build scripts/keyleak makes (the Swift runtime linked in): same flags, no rebuild between them.
    subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--package-path", ROOT], check=True,
                   stdout=subprocess.DEVNULL)
    if args.budgets:
        return budgets(os.path.abspath(args.tree or default_tree()), args.history and os.path.abspath(args.history), keyleak)
    if args.history:
        return history(os.path.abspath(args.history), args.runs, keyleak)
    if args.hook:
        return hook(os.path.abspath(args.hook), args.runs, keyleak)
    tree = os.path.abspath(args.tree or default_tree())
    report = json.loads(subprocess.run([keyleak, "scan", "--format", "json", "--quiet", tree],
                                       capture_output=True).stdout)
    files, size = report["summary"]["files"], report["summary"]["bytes"]
    print(f"tree: {tree}\n      {files} files, {size / 1e6:.0f} MB, {len(report['findings'])} keyleak findings, "
          f"{args.runs} runs each, {args.threads} threads, {os.cpu_count()} cores")

    tools = [("keyleak", [keyleak, "scan", "--format", "json", "--quiet", "--threads", str(args.threads), tree]),
             # The same work as rg: rg does not look inside archives (zip, tar, gzip …), keyleak does by default.
             ("keyleak --no-archives", [keyleak, "scan", "--format", "json", "--quiet", "--no-archives",
                                        "--threads", str(args.threads), tree])]
    tools += against(*tools[0]) + against(*tools[1])
    rg = find_tool("rg")
    if rg:
        tools.append(("rg -uuu", [rg, "-uuu", "-c", "-j", str(args.threads), "-e", PATTERN, tree]))
        tools.append(("rg -uuu -P", [rg, "-uuu", "-P", "-c", "-j", str(args.threads), "-e", PATTERN, tree]))
    tools += peers(tree, "dir")
    compare(tools, args.runs, size, "rg -uuu")


if __name__ == "__main__":
    main()
