"""Guardrail first-scan A/B: checkouts and interpreters side by side, fresh processes alternated.

``bench/guardrails.py`` gives the first-scan figures of one checkout; two of its runs a
few minutes apart differ with the machine's load. This bench runs the same fresh-worker
first scan (``bench/guardrails.py --first-scan``: a new process, the engine built as a
worker builds it, one scan of a folder it never saw) for several *variants*, each a
(checkout, policy interpreter) pair, alternating the variants run by run so that all see
the same load. The CPU time of the scan is compared; findings must be equal across
variants (the script exits 1 otherwise).

Usage (from the repo root, with the policy venv)::

    .venv-policy/bin/python bench/guardrails_ab.py \\
        --variant base=/path/to/old-checkout:/path/to/old-venv/bin/python \\
        --variant python=/path/to/old-checkout:.venv-policy/bin/python \\
        --variant new=.:.venv-policy/bin/python [--runs 3] [FOLDER ...]

The default folders are the generated stacks of the corpus (``bench/guardrails.py``).
An interpreter must have the policy requirements installed; the checkout's own code is
put first on its path by ``bench/guardrails.py``. Results: ``bench/results/guardrails-ab.json``
(per folder and variant the CPU times, their median, and each variant's median ratio to
the first variant).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.guardrails import category, default_configs, label  # noqa: E402

RESULTS = REPO / "bench" / "results" / "guardrails-ab.json"


def _variant(text: str) -> tuple[str, Path, str]:
    name, _, rest = text.partition("=")
    checkout, _, python = rest.partition(":")
    if not (name and checkout and python):
        raise argparse.ArgumentTypeError(f"--variant {text!r}: want NAME=CHECKOUT:PYTHON")
    return name, Path(checkout).resolve(), python


def _first_scan(checkout: Path, python: str, folder: Path) -> dict:
    done = subprocess.run([python, str(checkout / "bench" / "guardrails.py"), "--first-scan", str(folder.resolve())],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"first scan of {folder} with {checkout} / {python} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _describe(checkout: Path, python: str) -> dict:
    head = os.popen(f"git -C {checkout} rev-parse --short HEAD 2>/dev/null").read().strip()
    probe = subprocess.run([python, "-c", "import os, sys, sysconfig; print(sys.version.split()[0]); "
                            "print(os.path.realpath(sys._base_executable)); print(sysconfig.get_config_var('CONFIG_ARGS'))"],
                           capture_output=True, text=True).stdout.splitlines()
    version, executable, config_args = (probe + ["", "", ""])[:3]
    linked = subprocess.run(["ldd", executable], capture_output=True, text=True).stdout
    return {"checkout": str(checkout), "commit": head or None, "python": python, "python_version": version,
            "interpreter": executable, "libpython": "shared" if "libpython" in linked else "static",
            "configure_has_enable_optimizations": "--enable-optimizations" in config_args}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="bundle folders (default: the generated stacks)")
    parser.add_argument("--variant", action="append", type=_variant, required=True,
                        help="NAME=CHECKOUT:PYTHON (the first is the baseline); give two or more")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per folder and variant")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if len(args.variant) < 2:
        parser.error("give at least two --variant")
    folders = args.folders or [f for f in default_configs() if category(f) == "generated"]
    names = [name for name, _, _ in args.variant]
    load_at_start = os.getloadavg()
    rows = []
    exit_code = 0
    for folder in folders:
        cpu: dict[str, list[float]] = {name: [] for name in names}
        findings: dict[str, list] = {}
        for run in range(args.runs):
            order = args.variant if run % 2 == 0 else list(reversed(args.variant))  # AB, BA, ...
            for name, checkout, python in order:
                result = _first_scan(checkout, python, folder)
                cpu[name].append(result["cpu_ms"])
                findings.setdefault(name, result["findings"])
                if result["findings"] != findings[name]:
                    findings[name] = None  # not even stable within a variant
        equal = len({json.dumps(f) for f in findings.values()}) == 1 and None not in findings.values()
        if not equal:
            exit_code = 1
        row = {"folder": label(folder), "cpu_ms": cpu, "findings_equal": equal}
        rows.append(_with_ratios(row, names))
        medians = row["cpu_p50_ms"]
        print(f"{label(folder)[-44:]:44s} " + "  ".join(f"{n} {medians[n]:7.1f} ms" for n in names)
              + ("" if equal else "  FINDINGS DIFFER"), flush=True)
    summary = summarise(rows, names)
    for name in names:
        s = summary[name]
        print(f"{name}: CPU p50 {s['cpu_p50_of_folder_medians_ms']} ms; {s['ratio_to_first_p50']}x of {names[0]}'s "
              f"(range {s['ratio_to_first_min']}-{s['ratio_to_first_max']}); fastest runs: p50 "
              f"{s['cpu_p50_of_folder_fastest_ms']} ms, {s['fastest_ratio_to_first_p50']}x "
              f"(range {s['fastest_ratio_to_first_min']}-{s['fastest_ratio_to_first_max']})")
    out = {
        "bench": "guardrails-ab", "runs": args.runs,
        "variants": {name: _describe(checkout, python) for name, checkout, python in args.variant},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_avg_at_start": load_at_start, "load_avg": os.getloadavg()},
        "summary": summary, "all_findings_equal": exit_code == 0, "folders": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"raw results: {label(args.json)}")
    return exit_code


def _with_ratios(row: dict, names: list[str]) -> dict:
    """Each variant's median and fastest run of one folder, and their ratios to the first variant's.

    The fastest run is given beside the median: on this host a process can land in a
    window where all code runs about 1.5x slower (``bench/guardrails.py``), which bends
    the median of a few runs but rarely every one of them.
    """
    cpu = row["cpu_ms"]
    medians = {name: statistics.median(cpu[name]) for name in names}
    fastest = {name: min(cpu[name]) for name in names}
    row.update({
        "cpu_p50_ms": medians, "cpu_fastest_ms": fastest,
        "ratio_to_first": {name: round(medians[name] / medians[names[0]], 3) for name in names},
        "fastest_ratio_to_first": {name: round(fastest[name] / fastest[names[0]], 3) for name in names},
    })
    return row


def summarise(rows: list[dict], names: list[str]) -> dict:
    """Per variant, over the folders: the p50 of medians and of fastest runs, and of their ratios."""
    return {name: {
        "cpu_p50_of_folder_medians_ms": round(statistics.median(r["cpu_p50_ms"][name] for r in rows), 1),
        "ratio_to_first_p50": round(statistics.median(r["ratio_to_first"][name] for r in rows), 3),
        "ratio_to_first_min": min(r["ratio_to_first"][name] for r in rows),
        "ratio_to_first_max": max(r["ratio_to_first"][name] for r in rows),
        "cpu_p50_of_folder_fastest_ms": round(statistics.median(r["cpu_fastest_ms"][name] for r in rows), 1),
        "fastest_ratio_to_first_p50": round(statistics.median(r["fastest_ratio_to_first"][name] for r in rows), 3),
        "fastest_ratio_to_first_min": min(r["fastest_ratio_to_first"][name] for r in rows),
        "fastest_ratio_to_first_max": max(r["fastest_ratio_to_first"][name] for r in rows),
    } for name in names}


if __name__ == "__main__":
    sys.exit(main())
