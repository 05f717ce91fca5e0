"""Terraform state benchmark: what the per-stack pg backend costs against a local state file.

Each sample is a new stack (a state never seen before): plan, then apply of the saved plan
in a fresh work directory, with the real `terraform` binary on a configuration that needs
no provider download (`terraform_data`). Backends: `pg` (this project's Postgres, schema
per stack, locking) and `local` (a state file in the work directory: no lock shared
between workers, lost with the directory; shown only as the floor, never used by runs). Raw samples go to
bench/results/tfstate.json.

Usage: .venv/bin/python bench/tfstate.py [--runs 5] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile  # noqa: E402
from shared.settings import get_settings  # noqa: E402
from services.terraform.runner import TerraformRunner  # noqa: E402
from services.terraform.state import pg_backend, schema_for  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "tfstate.json"
MAIN = ('terraform {\n  backend "local" {}\n}\n\n'
        'resource "terraform_data" "a" {\n  input = "%s"\n}\n\nresource "terraform_data" "b" {\n  input = "%s"\n}\n')


def bundle(seed: str) -> ArtifactBundle:
    return ArtifactBundle(files=[GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform,
                                               content=MAIN % (seed, seed))])


def sample(runner: TerraformRunner, kind: str) -> dict[str, float]:
    target = f"aws/ap-northeast-2/dev/bench-{uuid.uuid4().hex[:10]}"
    backend = pg_backend(target) if kind == "pg" else None
    files = bundle(target)
    started = time.perf_counter()
    plan = runner.plan(files, backend=backend)
    planned = time.perf_counter()
    runner.apply(files, plan.plan_bytes, backend=backend)  # local: the new directory's state is empty, as planned
    applied = time.perf_counter()
    shutil.rmtree(plan.workdir, ignore_errors=True)
    return {"target": target, "plan_ms": (planned - started) * 1000, "apply_ms": (applied - planned) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: MCP_DATABASE_URL")
    args = parser.parse_args()
    if args.database_url:
        os.environ["MCP_DATABASE_URL"] = args.database_url
        get_settings.cache_clear()
    binary = shutil.which("terraform") or shutil.which("tofu")
    if not binary:
        sys.exit("terraform (or tofu) is not on PATH")
    work = Path(tempfile.mkdtemp(prefix="bench-tfstate-"))
    runner = TerraformRunner(binary, work_root=work / "runs", plugin_cache_dir=work / "plugins", timeout_s=120)
    samples: dict[str, list[dict[str, float]]] = {"pg": [], "local": []}
    try:
        for _ in range(args.runs):  # interleaved, so both backends see the same machine load
            for kind in samples:
                samples[kind].append(sample(runner, kind))
    finally:
        engine = create_engine(get_settings().database_url)
        with engine.begin() as connection:
            for row in samples["pg"]:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema_for(row["target"])}" CASCADE'))
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)
    summary = {kind: {phase: round(statistics.median(s[phase] for s in rows), 1) for phase in ("plan_ms", "apply_ms")}
               for kind, rows in samples.items()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"terraform": binary, "runs": args.runs, "median": summary, "samples": samples},
                                  indent=2) + "\n")
    for kind, medians in summary.items():
        print(f"{kind:>5}: plan p50 {medians['plan_ms']:.0f} ms, apply of the saved plan p50 {medians['apply_ms']:.0f} ms")
    print(f"raw samples: {RESULTS}")


if __name__ == "__main__":
    main()
