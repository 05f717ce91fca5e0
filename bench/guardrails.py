"""Benchmark: the warm in-process guardrail scanner against the checkov CLI, same files.

Run with the policy venv from the repo root::

    .venv-policy/bin/python bench/guardrails.py            # default configs
    .venv-policy/bin/python bench/guardrails.py DIR [DIR …] --runs 20 --cli-runs 3

A config is a folder laid out like a generated bundle (``terraform/…``,
``kubernetes/…``). By default: every scenario exported by the Terraform generator
under ``tests/fixtures/generated/`` (when present) and the policy test bundles.

For each config it prints, in one run:

* the warm in-process scan p50 with every cache and memo empty (wall clock and CPU;
  a new checkov runner per scan: the very first scan of a freshly started worker,
  checkov already loaded);
* the "new shape" p50: the same request in another region, environment and size
  (``tests/fixtures/generated-reshaped/``, made by the real generator) scanned right
  after the first one: the catalog modules' parses and expression evaluations are
  reused, the stack's own Terraform and manifests are scanned. This is the first
  request of a stack shape in a worker that has served others;
* the "renamed" p50: the same request from another team (only names differ,
  ``tests/fixtures/generated-renamed/``, made by the real generator) scanned right
  after the first one, with the bundle cache cold: its Terraform part is answered
  from the canonical-form cache (``services/policy/canonical.py``), its manifests
  are scanned. This is what a generated config costs in a worker that has seen its
  stack shape once;
* the cache-hit p50 (same bundle again);
* the ``checkov -d DIR --quiet -o json`` p50 (``BC_SKIP_MAPPING=TRUE``,
  ``--skip-download``, our check folder as ``--external-checks-dir``, update check off);
* the CLI / in-process ratio;
* whether the findings, as a set of (check id, resource, file), are identical to the
  CLI's, for the config and for its renamed variant. They must be: the script exits
  1 otherwise, so it doubles as the proof that the in-process tuning and the
  canonical-form cache change nothing.

Wall-clock figures depend on what else runs on the machine; CPU time is printed next
to them for that reason.
"""

from __future__ import annotations

import argparse
import json
import os
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
from services.policy.scanner import GuardrailEngine, clear_process_caches, configure, kind_for_path  # noqa: E402
from shared.contracts.artifacts import ArtifactBundle, GeneratedFile  # noqa: E402
from shared.examples import exported_files  # noqa: E402

GENERATED = REPO / "tests" / "fixtures" / "generated"
RENAMED = REPO / "tests" / "fixtures" / "generated-renamed"
RESHAPED = REPO / "tests" / "fixtures" / "generated-reshaped"
TEST_BUNDLES = REPO / "tests" / "policy" / "fixtures" / "bundles"
CHECKOV = Path(sys.executable).parent / "checkov"

Finding = tuple[str, str, str]


def load_bundle(folder: Path) -> ArtifactBundle:
    files = []
    for rel, content in exported_files(folder).items():
        try:
            kind = kind_for_path(rel)
        except ValueError:
            continue  # README and the like: not scanned by either side
        files.append(GeneratedFile(path=rel, kind=kind, content=content))
    return ArtifactBundle(files=files)


def default_configs() -> list[Path]:
    configs = sorted(p for p in GENERATED.iterdir() if p.is_dir()) if GENERATED.is_dir() else []
    return configs + sorted(p for p in TEST_BUNDLES.iterdir() if p.is_dir())


def p50(values: list[float]) -> float:
    return statistics.median(values)


def in_process(engine: GuardrailEngine, bundle: ArtifactBundle, runs: int) -> tuple[list[float], list[float], set[Finding]]:
    engine.clear_cache()
    for _ in range(2):  # checkov's lazy loads
        result = engine.evaluate(bundle)
        engine.clear_cache()
    wall, cpu = [], []
    for _ in range(runs):
        engine.clear_cache()
        clear_process_caches()
        t0, c0 = time.perf_counter(), time.process_time()
        result = engine.evaluate(bundle)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, {(f.check_id, f.resource, f.file) for f in result.findings}


def after_first(
    engine: GuardrailEngine, first: ArtifactBundle, renamed: ArtifactBundle, runs: int
) -> tuple[list[float], set[Finding]]:
    """Another request right after the first one's: caches and memos hold only the first."""
    wall = []
    for _ in range(runs):
        engine.clear_cache()
        clear_process_caches()
        engine.evaluate(first)
        t0 = time.perf_counter()
        result = engine.evaluate(renamed)
        wall.append((time.perf_counter() - t0) * 1000)
    return wall, {(f.check_id, f.resource, f.file) for f in result.findings}


def cache_hits(engine: GuardrailEngine, bundle: ArtifactBundle, persona: str, runs: int) -> list[float]:
    engine.clear_cache()
    engine.scan(bundle, persona)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        engine.scan(bundle, persona)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def cli(bundle: ArtifactBundle, runs: int) -> tuple[list[float], set[Finding]]:
    frameworks = sorted({f.kind.value for f in bundle.files})
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
        "PYTHONPATH": str(REPO),  # our checks import services.policy.checks
    }
    times: list[float] = []
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
            t0 = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp, timeout=600)
            times.append((time.perf_counter() - t0) * 1000)
            if done.returncode not in (0, 1):
                raise RuntimeError(f"checkov CLI failed ({done.returncode}): {done.stderr[-2000:]}")
        output = json.loads(done.stdout) if done.stdout.strip() else []
        for report in output if isinstance(output, list) else [output]:
            for record in report.get("results", {}).get("failed_checks", []):
                file = os.path.relpath(record["file_abs_path"], root).replace(os.sep, "/")
                findings.add((record["check_id"], record["resource"], file))
    return times, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="*", type=Path, help="bundle folders (default: generated + test bundles)")
    parser.add_argument("--runs", type=int, default=20, help="in-process scans per config")
    parser.add_argument("--cli-runs", type=int, default=3, help="CLI runs per config")
    args = parser.parse_args(argv)
    if not CHECKOV.exists() and not shutil.which("checkov"):
        print("checkov CLI not found next to this python: run with .venv-policy/bin/python", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    engine = configure(cache_size=8)  # as the worker builds it (warm-up, frozen start-up objects)
    print(f"engine start (pack {engine.pack.version}, checkov loaded): {(time.perf_counter() - t0) * 1000:.0f} ms")
    header = (f"{'config':32} {'files':>5} {'cold p50':>9} {'cpu p50':>8} {'new shape':>9} {'renamed':>9} {'cache p50':>10} "
              f"{'CLI p50':>8} {'CLI/cold':>8} {'CLI/renamed':>11} {'findings':>8}  identical")
    print(header)
    print("-" * len(header))
    all_identical = True
    for folder in args.configs or default_configs():
        bundle = load_bundle(folder)
        if not bundle.files:
            continue
        wall, cpu, ours = in_process(engine, bundle, args.runs)
        hit = cache_hits(engine, bundle, "devops", args.runs)
        cli_times, theirs = cli(bundle, args.cli_runs)
        comparisons = [("", ours, theirs)]
        cells = {"reshaped": f"{'-':>9}", "renamed": f"{'-':>9}"}
        renamed_ratio = f"{'-':>11}"
        for variant, root in (("reshaped", RESHAPED), ("renamed", RENAMED)):
            if folder.parent != GENERATED or not (root / folder.name).is_dir():
                continue
            other = load_bundle(root / folder.name)
            other_wall, other_ours = after_first(engine, bundle, other, args.runs)
            _, other_theirs = cli(other, 1)
            comparisons.append((f"{variant}: ", other_ours, other_theirs))
            cells[variant] = f"{p50(other_wall):7.1f}ms"
            if variant == "renamed":
                renamed_ratio = f"{p50(cli_times) / p50(other_wall):10.0f}x"
        identical = all(a == b for _, a, b in comparisons)
        all_identical &= identical
        name = f"{folder.parent.name}/{folder.name}"[-32:]
        print(f"{name:32} {len(bundle.files):5d} {p50(wall):7.1f}ms {p50(cpu):6.1f}ms {cells['reshaped']} {cells['renamed']} "
              f"{p50(hit) * 1000:8.1f}µs {p50(cli_times):6.0f}ms {p50(cli_times) / p50(wall):7.0f}x {renamed_ratio} "
              f"{len(ours):8d}  {'yes' if identical else 'NO'}")
        for prefix, a, b in comparisons:
            for label, diff in (("only in-process", a - b), ("only CLI", b - a)):
                for item in sorted(diff):
                    print(f"    {prefix}{label}: {item}")
    print("findings identical for every config" if all_identical else "FINDINGS DIFFER: see above")
    return 0 if all_identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
