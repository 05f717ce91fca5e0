"""Generation benchmark: intent -> Terraform + manifests, written with python-hcl2 and
parsed back, then statically validated (each run a new root module). p50/p95 per
scenario after a warm-up.

Usage: .venv/bin/python bench/terraform.py [--runs 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.examples import SCENARIOS  # noqa: E402
from services.terraform.generator import generate  # noqa: E402
from services.terraform.validate import validate_bundle  # noqa: E402


def timed(function, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[int(0.95 * (len(samples) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    started = time.perf_counter()
    for intent in SCENARIOS.values():
        validate_bundle(generate(intent))
    print(f"first generate+validate of all scenarios (parser caches built): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"{'scenario':<24}{'files':>6}{'generate p50':>14}{'p95':>8}{'validate p50':>14}{'p95':>8}")
    for name, intent in SCENARIOS.items():
        bundle = generate(intent)
        gen50, gen95 = timed(lambda: generate(intent), args.runs)
        # A new stack name per run: the root module is new each time (as in real runs),
        # the catalog modules are the same files (parsed once per process).
        fresh = iter([generate(intent.model_copy(update={"stack": f"{intent.stack[:30]}-{i}"})) for i in range(args.runs)])
        val50, val95 = timed(lambda: validate_bundle(next(fresh)), args.runs)
        print(f"{name:<24}{len(bundle.files):>6}{gen50:>12.1f}ms{gen95:>6.1f}ms{val50:>12.1f}ms{val95:>6.1f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
