"""Where a first scan's CPU time goes: checkov's Terraform phases, per generated stack, in fresh workers.

``bench/guardrails.py`` says how long a fresh worker's first scan of a never-seen stack
takes; this bench says what that time is made of, to show which part a speed-up would
have to remove. Each stack is scanned once in a new process (the engine built as a
worker builds it, as in ``bench/guardrails.py --first-scan``), with the CPU time of
these phases summed (a phase's time includes the phases it calls; ``render`` runs
twice, once inside ``foreach`` for count/for_each statements):

* ``canonical``: our canonical form (``services/policy/canonical.py``, one HCL parse of
  each root file);
* ``parse``: checkov's HCL parse of the folder and its modules;
* ``edges``: building the graph's edges (with cross-variable edges);
* ``foreach``: count/for_each expansion (it renders a sub-graph);
* ``render``: the variable renderer's edge loop;
* ``non_rendered``: evaluating what the edge loop left;
* ``graph_total``: the whole Terraform graph build;
* ``resource_checks`` and ``graph_checks``; ``terraform_runner``: checkov's whole
  Terraform run; ``scan``: the engine's whole scan.

Usage: ``.venv-policy/bin/python bench/guardrails_phases.py [FOLDER ...]`` (default: the
corpus's generated stacks). Results: ``bench/results/guardrails-phases.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results" / "guardrails-phases.json"

#: phase name -> (module, attribute path) of the function whose CPU time it sums.
PHASES = {
    "canonical": ("services.policy.engine", "canonicalize"),
    "parse": ("checkov.terraform.tf_parser", "TFParser.parse_hcl_module"),
    "edges": ("checkov.terraform.graph_builder.local_graph", "TerraformLocalGraph._build_edges"),
    "cross_variable_edges": ("checkov.terraform.graph_builder.local_graph", "TerraformLocalGraph._build_cross_variable_edges"),
    "foreach": ("checkov.terraform.graph_builder.foreach.builder", "ForeachBuilder.handle"),
    "render": ("checkov.common.graph.graph_builder.variable_rendering.renderer", "VariableRenderer._render_variables_from_edges"),
    "non_rendered": ("checkov.terraform.graph_builder.variable_rendering.renderer",
                     "TerraformVariableRenderer.evaluate_non_rendered_values"),
    "graph_total": ("checkov.terraform.graph_manager", "TerraformGraphManager.build_graph_from_source_directory"),
    "resource_checks": ("checkov.terraform.runner", "Runner.check_tf_definition"),
    "graph_checks": ("checkov.terraform.base_runner", "BaseTerraformRunner.get_graph_checks_report"),
    "terraform_runner": ("checkov.terraform.runner", "Runner.run"),
    "scan": ("services.policy.engine", "GuardrailEngine.scan"),
}


def _timed(spent: dict[str, float], phase: str, function):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[phase] += time.process_time() - start
    return timed


def _child(folder: Path) -> int:
    from bench.guardrails import load_bundle
    from services.policy.scanner import configure

    engine = configure()  # as a worker starts: the catalog start-up scans included
    spent = dict.fromkeys(PHASES, 0.0)
    for phase, (module_name, path) in PHASES.items():
        owner = import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, _timed(spent, phase, getattr(owner, name)))
    bundle = load_bundle(folder)
    engine.scan(bundle, "devops")
    print(json.dumps({phase: round(seconds * 1000, 2) for phase, seconds in spent.items()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per folder (median per phase)")
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)
    from bench.guardrails import category, default_configs, label

    folders = args.folders or [f for f in default_configs() if category(f) == "generated"]
    rows = []
    for folder in folders:
        runs = []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                                  timeout=600, cwd=REPO, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        medians = {phase: statistics.median(run[phase] for run in runs) for phase in PHASES}
        rows.append({"folder": label(folder), "cpu_ms_p50": medians, "runs": runs})
        print(f"{label(folder)[-40:]:40s} " + " ".join(f"{p} {medians[p]:.0f}" for p in PHASES), flush=True)
    share = {phase: round(statistics.median(r["cpu_ms_p50"][phase] / r["cpu_ms_p50"]["scan"] for r in rows
                                            if r["cpu_ms_p50"]["scan"] > 0), 3) for phase in PHASES}
    print("median share of the scan: " + ", ".join(f"{p} {share[p]:.0%}" for p in PHASES))
    out = {"bench": "guardrails-phases", "runs": args.runs, "load_avg": os.getloadavg(),
           "median_share_of_scan": share, "folders": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"raw results: {label(args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
