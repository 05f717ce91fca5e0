"""Write the generated bundles of the example scenarios to tests/fixtures/generated/,
and the policy worker's start-up stacks to services/policy/warm_up/.

The policy engineer scans these with checkov (in the policy environment) to tune the
guardrails, so they must be exactly what the generator produces today. Beside them,
`tests/fixtures/generated-renamed/` holds the same requests from another team (only
names differ: `shared.examples.renamed`) and `generated-reshaped/` the same requests in
another stack shape (`shared.examples.reshaped`), for the guardrail tests and benchmark;
they keep only the files that differ (read them with `shared.examples.exported_files`):

    .venv/bin/python -m services.terraform.export_examples [target-dir]

Each scenario's folder is replaced as a whole, so files the generator no longer
produces do not linger.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from shared.examples import SCENARIOS, WARM_UP_STACKS, renamed, reshaped, without_catalog_copies
from services.terraform.generator import generate

DEFAULT_TARGET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "generated"
#: The stacks a policy worker scans as it starts (``shared.examples.WARM_UP_STACKS``),
#: stored without their catalog module copies.
WARM_UP_TARGET = Path(__file__).resolve().parents[2] / "services" / "policy" / "warm_up"


def variant_target(target: Path, variant: str) -> Path:
    return target.with_name(f"{target.name}-{variant}")


def export(target: Path = DEFAULT_TARGET) -> dict[str, list[str]]:
    """Scenario id -> relative paths written (the variants go beside the target and hold
    only the files that differ from the scenario's: see `shared.examples.exported_files`)."""
    base = {scenario: generate(intent) for scenario, intent in SCENARIOS.items()}
    written = _export(target, base)
    for variant, change in (("renamed", renamed), ("reshaped", reshaped)):
        bundles = {scenario: generate(change(intent)) for scenario, intent in SCENARIOS.items()}
        _export(variant_target(target, variant), bundles, base)
    return written


def export_warm_up(target: Path = WARM_UP_TARGET) -> dict[str, list[str]]:
    """Write the policy worker's start-up stacks; stack name -> relative paths written."""
    written: dict[str, list[str]] = {}
    for name, intent in WARM_UP_STACKS.items():
        files = without_catalog_copies({f.path: f.content for f in generate(intent).files})
        _replace_folder(target / name, files)
        written[name] = sorted(files)
    return written


def _replace_folder(folder: Path, files: dict[str, str]) -> None:
    """``folder`` holding exactly ``files`` (relative path -> text): nothing stale lingers."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(content, encoding="utf-8")


def _export(target: Path, bundles: dict, base: dict | None = None) -> dict[str, list[str]]:
    written: dict[str, list[str]] = {}
    for scenario, bundle in bundles.items():
        same = {(f.path, f.content) for f in base[scenario].files} if base else set()
        if base and {f.path for f in base[scenario].files} != {f.path for f in bundle.files}:
            raise SystemExit(f"{scenario}: a variant must have the scenario's file paths to be stored as a difference")
        files = {f.path: f.content for f in bundle.files if (f.path, f.content) not in same}
        _replace_folder(target / scenario, {**files, "SUMMARY.txt": bundle.summary + "\n"})
        written[scenario] = [f.path for f in bundle.files]
    return written


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_TARGET
    for scenario, paths in export(target).items():
        print(f"{target / scenario}: {len(paths)} files")
    for name, paths in export_warm_up().items():
        print(f"{WARM_UP_TARGET / name}: {len(paths)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
