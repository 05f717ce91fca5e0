"""Benchmark: the guardrail engine's first scan of content it has never seen, against the checkov CLI.

Run with the policy venv from the repo root::

    .venv-policy/bin/python bench/guardrails.py                 # the whole corpus
    .venv-policy/bin/python bench/guardrails.py DIR [DIR ...]   # some folders

Results go to ``bench/results/guardrails.json`` (``--json`` to change it) and are
printed. The corpus (``default_configs``): stacks made by the real generator for
intents no test uses (``bench/corpus/generated``, made by
``bench/corpus/make_generated.py``: other regions, sizes, clouds and module mixes),
hand-written deliberately vulnerable folders (``bench/corpus/handwritten``: Terraform
with and without local modules, Kubernetes, a mixed folder with a workflow and a
Dockerfile, a policy granting ``*`` at the path and name of one in the vetted aws-eks
copy a worker scans at start, so state carried between scans shows as a difference),
the generator's scenario exports and the policy test bundles.

Summarised in three groups: **generated** (``bench/corpus/generated``: never seen),
**hand-written** (the hand-written corpus and the test bundles: never seen), and
**start-up** (``tests/fixtures/generated``: the scenario stacks, which a worker scans as
it starts, ``services/policy/warm_up``; their first scan is not a never-seen figure and
is kept apart).

Per folder, in this order of honesty:

* **fresh worker, first scan**: a new process builds the engine exactly as a worker
  does at start (``configure()``: checkov loaded, the pack verified, one tiny warm-up
  scan, nothing else) and scans the folder once. Its content was never seen by that
  process: no bundle, part, parse or expression memo holds it. This is the headline.
  A worker's start-up (``configure``) scans each vetted catalog module once on its
  own and the start-up stacks (``shared.examples.WARM_UP_STACKS``: the scenarios and
  one stack per other cloud, in regions the generated corpus does not use), so the
  memos of HCL parses and expression evaluations hold the catalog's texts as the
  generator calls them (never a finding: result caches are emptied). The **bare**
  column is the same first scan in a process started without those start-up scans.
* **warm worker, first scan**: one long-lived engine scans the corpus folder after
  folder; each folder's time is its first scan there (memos hold what the previous
  folders had in common with it, e.g. catalog module copies), as a worker that has
  served other requests.
* **cache hit**: the same bundle again (its own line: not a first scan).
* **CLI**: ``checkov -d DIR --quiet -o json`` (``BC_SKIP_MAPPING=TRUE``,
  ``--skip-download``, our check folder as ``--external-checks-dir``, update check off),
  and whether its findings, as (check id, resource, file), are identical to the
  engine's. They must be, on every folder: the script exits 1 otherwise.

Wall-clock figures depend on what else runs on the machine; CPU time of the engine
is recorded beside them for that reason (``--fresh-runs N``: N fresh processes per
folder, the median of each taken, every run's findings compared) (the CLI's is its process's CPU time, user +
system, start-up included), and the ratio of the two is printed as well.
Each fresh run also times a fixed pure-Python loop just before its scan
(``calibration_ms``): on a shared host a process can land in a window where all its
code runs about 1.5x slower, which bends medians of a few runs; the loop shows such
windows, and the fastest run per folder is summarised beside the median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from services.policy.guardrails import OWN_CHECKS_DIR  # noqa: E402
from services.policy.scanner import CHECKOV_VERSION, configure, kind_for_path  # noqa: E402
from shared.contracts.artifacts import ArtifactBundle, GeneratedFile  # noqa: E402
from shared.examples import exported_files  # noqa: E402

CORPUS = REPO / "bench" / "corpus"
GENERATED = REPO / "tests" / "fixtures" / "generated"
TEST_BUNDLES = REPO / "tests" / "policy" / "fixtures" / "bundles"
RESULTS = REPO / "bench" / "results" / "guardrails.json"
CHECKOV = Path(sys.executable).parent / "checkov"
TARGET_RATIO = 50
TARGET_GENERATED_MS = 50

Finding = tuple[str, str, str]


def load_bundle(folder: Path) -> ArtifactBundle:
    files = []
    for rel, content in exported_files(folder).items():
        try:
            kind = kind_for_path(rel)
        except ValueError:
            continue  # SUMMARY.txt and the like: not scanned by either side
        files.append(GeneratedFile(path=rel, kind=kind, content=content))
    return ArtifactBundle(files=files)


def default_configs() -> list[Path]:
    folders: list[Path] = []
    for root in (CORPUS / "generated", CORPUS / "handwritten", GENERATED, TEST_BUNDLES):
        if root.is_dir():
            folders += sorted(p for p in root.iterdir() if p.is_dir())
    return folders


def label(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(folder)


def category(folder: Path) -> str:
    resolved = folder.resolve()
    if resolved.parent == (CORPUS / "generated").resolve():
        return "generated"
    if resolved.parent == GENERATED.resolve():
        return "start-up"  # the scenario stacks: a worker scans them as it starts
    return "hand-written"


def p50(values: list[float]) -> float:
    return statistics.median(values)


def first_scan_in_fresh_process(folder: Path, bare: bool = False) -> dict:
    """A new interpreter: the engine as a starting worker builds it, then one scan of ``folder``
    (``bare``: without the start-up scans of the catalog modules and stacks, for comparison)."""
    done = subprocess.run([sys.executable, __file__, "--first-scan", str(folder), *(["--bare"] if bare else [])],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"first scan of {folder} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def calibration_ms() -> float:
    """CPU time of a fixed pure-Python loop (no checkov): how fast this process's CPU is right now.

    On a shared host the same scan in two new processes can take times about 1.5x apart
    with identical call counts; this loop, timed just before the scan, is slow in the
    same windows. Recorded beside each run so that a slow window shows as such.
    """
    c0 = time.process_time()
    counts: dict[str, int] = {}
    for i in range(100_000):
        key = str(i % 5000)
        counts[key] = counts.get(key, 0) + i
    return round((time.process_time() - c0) * 1000, 2)


def _first_scan_main(folder: Path, bare: bool) -> int:
    engine = configure(warm_catalog=not bare)  # what worker_init does (see the module doc)
    bundle = load_bundle(folder)
    calibration = calibration_ms()
    t0, c0 = time.perf_counter(), time.process_time()
    verdict = engine.scan(bundle, "devops")
    wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    t1 = time.perf_counter()
    engine.scan(bundle, "devops")
    hit = (time.perf_counter() - t1) * 1000
    print(json.dumps({
        "wall_ms": round(wall, 2), "cpu_ms": round(cpu, 2), "cache_hit_ms": round(hit, 4), "calibration_ms": calibration,
        "status": verdict.status, "errors": verdict.errors, "timings_ms": verdict.timings_ms,
        "findings": sorted([f.check_id, f.resource, f.file] for f in verdict.findings),
    }))
    return 0


def _children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def cli(bundle: ArtifactBundle, runs: int) -> tuple[list[float], list[float], set[Finding]]:
    frameworks = sorted({f.kind.value for f in bundle.files})
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
        "PYTHONPATH": str(REPO),  # our checks import services.policy.checks
    }
    times: list[float] = []
    cpu_times: list[float] = []  # the CLI process's CPU time (user + system), start-up included
    findings: set[Finding] = set()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        root = Path(tmp) / "config"
        for file in bundle.files:
            target = root / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file.content, encoding="utf-8")
        command = [str(CHECKOV), "-d", str(root), "--quiet", "-o", "json", "--skip-download",
                   "--external-checks-dir", str(OWN_CHECKS_DIR), "--framework", *frameworks]
        for _ in range(runs):
            t0, c0 = time.perf_counter(), _children_cpu_ms()
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp, timeout=600)
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append(_children_cpu_ms() - c0)
            if done.returncode not in (0, 1):
                raise RuntimeError(f"checkov CLI failed ({done.returncode}): {done.stderr[-2000:]}")
        output = json.loads(done.stdout) if done.stdout.strip() else []
        for report in output if isinstance(output, list) else [output]:
            for record in report.get("results", {}).get("failed_checks", []):
                file = os.path.relpath(record["file_abs_path"], root).replace(os.sep, "/")
                findings.add((record["check_id"], record["resource"], file))
    return times, cpu_times, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="*", type=Path, help="bundle folders (default: the whole corpus)")
    parser.add_argument("--cli-runs", type=int, default=1, help="CLI runs per folder (p50 taken)")
    parser.add_argument("--fresh-runs", type=int, default=1,
                        help="fresh-worker first scans per folder, each in a new process (p50 of wall and of CPU taken)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the raw results ({label(RESULTS)})")
    parser.add_argument("--first-scan", type=Path, help=argparse.SUPPRESS)  # the fresh-process child
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_scan:
        return _first_scan_main(args.first_scan, args.bare)
    if not CHECKOV.exists() and not shutil.which("checkov"):
        print("checkov CLI not found next to this python: run with .venv-policy/bin/python", file=sys.stderr)
        return 2

    load_at_start = os.getloadavg()
    t0 = time.perf_counter()
    warm = configure(cache_size=256)  # the long-lived worker of the "warm worker" column
    start_ms = (time.perf_counter() - t0) * 1000
    print(f"engine start as a worker does it (checkov {CHECKOV_VERSION}, pack {warm.pack.version}): {start_ms:.0f} ms")
    header = (f"{'folder':44} {'kind':12} {'files':>5} {'fresh 1st':>10} {'cpu':>8} {'bare 1st':>9} {'warm 1st':>9} {'CLI':>8} "
              f"{'CLI/fresh':>9} {'CLI/warm':>8} {'findings':>8} identical")
    print(header)
    print("-" * len(header))
    rows = []
    for folder in args.configs or default_configs():
        bundle = load_bundle(folder)
        if not bundle.files:
            continue
        runs = [first_scan_in_fresh_process(folder) for _ in range(max(1, args.fresh_runs))]
        fresh = dict(runs[0], wall_ms=round(p50([r["wall_ms"] for r in runs]), 2),
                     cpu_ms=round(p50([r["cpu_ms"] for r in runs]), 2))
        bare = first_scan_in_fresh_process(folder, bare=True)
        t1 = time.perf_counter()
        warm_verdict = warm.scan(bundle, "devops")
        warm_ms = (time.perf_counter() - t1) * 1000
        cli_times, cli_cpu, theirs = cli(bundle, args.cli_runs)
        ours = {tuple(f) for f in fresh["findings"]}
        warm_ours = {(f.check_id, f.resource, f.file) for f in warm_verdict.findings}
        bare_ours = {tuple(f) for f in bare["findings"]}
        identical = (ours == theirs == warm_ours == bare_ours and "error" not in (fresh["status"], bare["status"])
                     and all({tuple(f) for f in r["findings"]} == ours and r["status"] != "error" for r in runs))
        row = {
            "folder": label(folder), "kind": category(folder), "files": len(bundle.files),
            "fresh_first_scan_ms": fresh["wall_ms"], "fresh_first_scan_cpu_ms": fresh["cpu_ms"],
            "fresh_timings_ms": fresh["timings_ms"],
            "fresh_runs_ms": [r["wall_ms"] for r in runs], "fresh_runs_cpu_ms": [r["cpu_ms"] for r in runs],
            "fresh_runs_calibration_ms": [r["calibration_ms"] for r in runs],
            "bare_fresh_first_scan_ms": bare["wall_ms"], "bare_fresh_first_scan_cpu_ms": bare["cpu_ms"],
            "ratio_cli_to_bare_fresh": round(p50(cli_times) / bare["wall_ms"], 1),
            "warm_first_scan_ms": round(warm_ms, 2),
            "cache_hit_ms": fresh["cache_hit_ms"], "cli_ms": [round(t, 1) for t in cli_times],
            "cli_p50_ms": round(p50(cli_times), 1),
            "ratio_cli_to_fresh": round(p50(cli_times) / fresh["wall_ms"], 1),
            "cli_cpu_ms": [round(t, 1) for t in cli_cpu],
            "ratio_cli_cpu_to_fresh_cpu": round(p50(cli_cpu) / max(fresh["cpu_ms"], 0.01), 1),
            "ratio_cli_to_warm": round(p50(cli_times) / warm_ms, 1),
            "status": fresh["status"], "findings": len(ours), "identical_to_cli": identical,
            "only_engine": sorted(map(list, ours - theirs)), "only_cli": sorted(map(list, theirs - ours)),
        }
        rows.append(row)
        print(f"{row['folder'][-44:]:44} {row['kind']:12} {row['files']:5d} {fresh['wall_ms']:8.1f}ms "
              f"{fresh['cpu_ms']:6.1f}ms {bare['wall_ms']:7.1f}ms {warm_ms:7.1f}ms {row['cli_p50_ms']:6.0f}ms {row['ratio_cli_to_fresh']:8.1f}x "
              f"{row['ratio_cli_to_warm']:7.1f}x {len(ours):8d} {'yes' if identical else 'NO'}")
        for key in ("only_engine", "only_cli"):
            for item in row[key]:
                print(f"    {key.replace('_', ' ')}: {tuple(item)}")
    summary = _summary(rows)
    print()
    for line in summary["lines"]:
        print(line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "bench": "guardrails", "checkov": CHECKOV_VERSION, "pack": warm.pack.version,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_at_start": load_at_start,
                    "load_avg": os.getloadavg()},
        "engine_start_ms": round(start_ms, 1), "targets": {"ratio": TARGET_RATIO, "generated_first_scan_ms": TARGET_GENERATED_MS},
        "summary": {k: v for k, v in summary.items() if k != "lines"}, "folders": rows,
    }, indent=2) + "\n")
    print(f"raw results: {label(args.json)}")
    return 0 if summary["all_identical"] else 1


def _summary(rows: list[dict]) -> dict:
    out: dict = {"all_identical": all(r["identical_to_cli"] for r in rows), "folders": len(rows), "lines": []}
    for name in ("generated", "hand-written", "start-up"):
        group = [r for r in rows if r["kind"] == name]
        if not group:
            continue
        stats = {
            "folders": len(group),
            "fresh_first_scan_p50_ms": round(p50([r["fresh_first_scan_ms"] for r in group]), 1),
            "fresh_first_scan_max_ms": round(max(r["fresh_first_scan_ms"] for r in group), 1),
            "ratio_cli_to_fresh_p50": round(p50([r["ratio_cli_to_fresh"] for r in group]), 1),
            "ratio_cli_to_fresh_min": round(min(r["ratio_cli_to_fresh"] for r in group), 1),
            "fresh_first_scan_cpu_p50_ms": round(p50([r["fresh_first_scan_cpu_ms"] for r in group]), 1),
            "fresh_first_scan_cpu_fastest_run_p50_ms": round(p50([min(r["fresh_runs_cpu_ms"]) for r in group]), 1),
            "folders_at_target_ms_cpu_fastest_run": sum(min(r["fresh_runs_cpu_ms"]) <= TARGET_GENERATED_MS for r in group),
            "ratio_cli_to_bare_fresh_p50": round(p50([r["ratio_cli_to_bare_fresh"] for r in group]), 1),
            "ratio_cli_to_warm_p50": round(p50([r["ratio_cli_to_warm"] for r in group]), 1),
            "ratio_cli_to_warm_min": round(min(r["ratio_cli_to_warm"] for r in group), 1),
            "folders_at_target_ratio": sum(r["ratio_cli_to_fresh"] >= TARGET_RATIO for r in group),
            "ratio_cli_cpu_to_fresh_cpu_p50": round(p50([r["ratio_cli_cpu_to_fresh_cpu"] for r in group]), 1),
            "ratio_cli_cpu_to_fresh_cpu_min": round(min(r["ratio_cli_cpu_to_fresh_cpu"] for r in group), 1),
            "folders_at_target_ratio_cpu": sum(r["ratio_cli_cpu_to_fresh_cpu"] >= TARGET_RATIO for r in group),
            "folders_at_target_ms": sum(r["fresh_first_scan_ms"] <= TARGET_GENERATED_MS for r in group),
            "folders_at_target_ms_cpu": sum(r["fresh_first_scan_cpu_ms"] <= TARGET_GENERATED_MS for r in group),
            "cache_hit_p50_ms": round(p50([r["cache_hit_ms"] for r in group]), 4),
            "ratio_cli_to_cache_hit_p50": round(p50([r["cli_p50_ms"] / r["cache_hit_ms"] for r in group]), 1),
        }
        out[name] = stats
        out["lines"].append(
            f"{name:12} first scan, fresh worker: p50 {stats['fresh_first_scan_p50_ms']} ms (max "
            f"{stats['fresh_first_scan_max_ms']} ms), CLI/engine p50 {stats['ratio_cli_to_fresh_p50']}x, min "
            f"{stats['ratio_cli_to_fresh_min']}x; {stats['folders_at_target_ratio']}/{len(group)} folders at >= {TARGET_RATIO}x"
            f" | beside it, cache hit (same bundle again): p50 {stats['cache_hit_p50_ms']} ms, CLI/hit p50 "
            f"{stats['ratio_cli_to_cache_hit_p50']}x"
        )
        out["lines"].append(
            f"{name:12} first scan, fresh worker, in CPU time (less bent by a loaded machine): engine p50 "
            f"{stats['fresh_first_scan_cpu_p50_ms']} ms, CLI/engine p50 {stats['ratio_cli_cpu_to_fresh_cpu_p50']}x, min "
            f"{stats['ratio_cli_cpu_to_fresh_cpu_min']}x; {stats['folders_at_target_ratio_cpu']}/{len(group)} folders at >= {TARGET_RATIO}x; "
            f"{stats['folders_at_target_ms_cpu']}/{len(group)} at <= {TARGET_GENERATED_MS} ms CPU "
            f"({stats['folders_at_target_ms']} in wall time)"
        )
        out["lines"].append(
            f"{name:12} first scan, fresh worker, the fastest of each folder's runs: engine CPU p50 "
            f"{stats['fresh_first_scan_cpu_fastest_run_p50_ms']} ms; {stats['folders_at_target_ms_cpu_fastest_run']}/{len(group)} "
            f"at <= {TARGET_GENERATED_MS} ms CPU"
        )
        out["lines"].append(
            f"{name:12} first scan, fresh worker without the start-up scans (catalog modules, start-up stacks): CLI/engine p50 "
            f"{stats['ratio_cli_to_bare_fresh_p50']}x; engine CPU p50 with them {stats['fresh_first_scan_cpu_p50_ms']} ms"
        )
        out["lines"].append(
            f"{name:12} first scan, warm worker:  CLI/engine p50 {stats['ratio_cli_to_warm_p50']}x, min {stats['ratio_cli_to_warm_min']}x"
        )
    calibrations = [c for r in rows for c in r["fresh_runs_calibration_ms"]]
    if calibrations:
        out["calibration_ms"] = {"min": min(calibrations), "p50": p50(calibrations), "max": max(calibrations)}
        out["lines"].append(
            f"CPU speed during the fresh runs (a fixed pure-Python loop before each scan): min {min(calibrations)} ms, "
            f"p50 {p50(calibrations)} ms, max {max(calibrations)} ms ({max(calibrations) / min(calibrations):.2f}x)"
        )
    hits = [r["cache_hit_ms"] for r in rows]
    out["cache_hit_p50_ms"] = round(p50(hits), 4) if hits else None
    out["lines"].append(f"cache hit (same bundle again, not a first scan): p50 {out['cache_hit_p50_ms']} ms")
    out["lines"].append("findings identical to the CLI on every folder" if out["all_identical"]
                        else "FINDINGS DIFFER from the CLI (or a scan errored): see above")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
