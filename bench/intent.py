"""Intent parser benchmark: accuracy on the labelled set (tuned and held-out parts) and parse time.

Prints and writes bench/results/intent.json:
- whole-intent exact match (every labelled field, defaults included, and the exact
  missing list) for the `tune` part, the `holdout` part (written before the parser was
  run on it) and all cases; targets ≥ 95 % whole-intent;
- the holdout figure at first sight: holdout cases marked `first_seen: miss` were wrong
  the first time the parser ran on them and the rules were fixed after, so that figure
  (from the marks) is the one for text the rules were not written for;
- accuracy per field (cloud/platform/region target ≥ 98 %);
- parse time per request: the first parse in a fresh process (import and regex
  compilation included), then p50/p95/p99 over every labelled text in shuffled rounds
  (the parser keeps no cache, so a repeat costs what a new text does); target p50 < 2 ms.

Needs no store. Usage: .venv/bin/python bench/intent.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).resolve().parent / "results" / "intent.json"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    from services.gateway.intents import parse_request  # noqa: PLC0415 - timed: import + first parse
    from tests.intents.labelled import actual_fields, differences, expected_fields, load_cases  # noqa: PLC0415

    cases = load_cases()
    parse_request(cases[0]["text"], persona=cases[0].get("persona"))
    first_parse_ms = (time.perf_counter() - started) * 1000

    exact: dict[str, list[bool]] = defaultdict(list)
    fields: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    misses = []
    for case in cases:
        parsed = parse_request(case["text"], persona=case.get("persona"))
        expected, actual = expected_fields(case), actual_fields(parsed)
        wrong = differences(expected, actual)
        for split in (case["split"], "all"):
            exact[split].append(not wrong)
            for name in expected:
                fields[split][name].append(name not in wrong)
        if wrong:
            misses.append({"id": case["id"], "split": case["split"], "text": case["text"],
                           "wrong": {k: {"expected": e, "got": a} for k, (e, a) in wrong.items()}})

    texts = [(c["text"], c.get("persona")) for c in cases]
    timings = []
    rng = random.Random(7)
    for _ in range(args.rounds):
        rng.shuffle(texts)
        for text, persona in texts:
            t0 = time.perf_counter()
            parse_request(text, persona=persona)
            timings.append((time.perf_counter() - t0) * 1000)

    def rate(values: list[bool]) -> float:
        return round(100 * sum(values) / len(values), 2) if values else None

    holdout = [c for c in cases if c["split"] == "holdout"]
    first_sight_misses = [c["id"] for c in holdout if c.get("first_seen") == "miss"]
    result = {
        "cases": {split: len(values) for split, values in exact.items()},
        # Recorded in labelled.yaml, not measured by this run: holdout cases the parser got wrong
        # the first time it saw them (the rules were fixed afterwards, so today's holdout figure
        # is no longer an unseen-data figure for those cases).
        "holdout_at_first_sight_pct": round(100 * (len(holdout) - len(first_sight_misses)) / len(holdout), 2),
        "holdout_first_sight_misses": first_sight_misses,
        "whole_intent_exact_pct": {split: rate(values) for split, values in exact.items()},
        "field_accuracy_pct": {split: {name: {"pct": rate(v), "n": len(v)} for name, v in sorted(per.items())}
                               for split, per in fields.items()},
        "parse_ms": {"first_in_fresh_process_incl_import": round(first_parse_ms, 2),
                     "p50": round(statistics.median(timings), 4), "p95": round(_pct(timings, 0.95), 4),
                     "p99": round(_pct(timings, 0.99), 4), "max": round(max(timings), 4), "samples": len(timings)},
        "misses": misses,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for split in ("tune", "holdout", "all"):
        per = result["field_accuracy_pct"][split]
        key = {k: per[k]["pct"] for k in ("cloud", "platform", "region") if k in per}
        print(f"{split:8s} n={result['cases'][split]:3d} whole-intent {result['whole_intent_exact_pct'][split]:6.2f}%  {key}")
    print(f"holdout at first sight (recorded first_seen marks): {result['holdout_at_first_sight_pct']:.2f}% "
          f"({len(holdout) - len(first_sight_misses)}/{len(holdout)})")
    print(f"parse p50 {result['parse_ms']['p50']:.3f} ms, p95 {result['parse_ms']['p95']:.3f} ms, "
          f"p99 {result['parse_ms']['p99']:.3f} ms; first parse in a fresh process (with import) "
          f"{result['parse_ms']['first_in_fresh_process_incl_import']:.1f} ms")
    print(f"misses: {[m['id'] for m in misses]}  -> {RESULTS}")


if __name__ == "__main__":
    main()
