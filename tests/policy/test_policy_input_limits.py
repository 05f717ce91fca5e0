"""Hostile uploads are refused before any parser builds them, and a scan has a budget.

Each input here is the real thing: a 400-byte alias bomb that would expand to a
billion nodes, a valid 254 KB manifest nested 500 levels deep (checkov's deep copies
raise RecursionError on it), Terraform nested as deep, a stack whose graph takes
seconds of CPU, and a manifest set that needs more memory than the budget allows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from services.policy import structure_limits, verdict as verdict_module
from services.policy.engine import GuardrailEngine
from services.policy.inputs import InvalidInput

pytestmark = pytest.mark.policy_env

REPO = Path(__file__).resolve().parents[2]
LOG_GROUP = 'resource "aws_cloudwatch_log_group" "app" {\n  name              = "app"\n  retention_in_days = 400\n}\n'


def alias_bomb(levels: int = 9) -> str:
    """The classic "billion laughs": each level repeats the previous one nine times."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n" + "\n".join(lines) + "\n"


def deep_manifest(depth: int) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: deep", "  namespace: apps", "spec:"]
    lines += ["  " * (i + 1) + f"level{i}:" for i in range(depth - 1)]
    lines.append("  " * depth + "leaf: x")
    return "\n".join(lines) + "\n"


def deep_terraform(depth: int) -> str:
    return "locals {\n  x = " + "[" * (depth - 1) + '"a"' + "]" * (depth - 1) + "\n}\n" + LOG_GROUP


def test_an_alias_bomb_is_refused_fast_naming_file_and_line(engine):
    bomb = alias_bomb()
    assert len(bomb.encode()) < 450
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=r"bomb\.yaml: expands to more than 200000 YAML nodes .*line \d+"):
        engine.scan_files({"k8s/bomb.yaml": bomb}, "devops")
    assert time.perf_counter() - started < 1.0


def test_too_many_aliases_are_refused_even_without_expansion(engine):
    many = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many}\nbase: &b x\nlist:\n" + "  - *b\n" * 101
    with pytest.raises(InvalidInput, match=r"many\.yaml: more than 100 YAML aliases \(line 106\)"):
        engine.scan_files({"many.yaml": many}, "devops")


def test_a_manifest_nested_500_deep_is_refused_not_a_recursion_error(engine):
    manifest = deep_manifest(500)  # the indentation alone makes it ~254 KB
    assert 240_000 < len(manifest.encode()) < 270_000
    with pytest.raises(InvalidInput, match=r"deep\.yaml: nested more than 64 levels deep at line \d+"):
        engine.scan_files({"deep.yaml": manifest}, "devops")


def test_terraform_nested_500_deep_is_refused(engine):
    with pytest.raises(InvalidInput, match=r"deep\.tf: nested more than 64 levels deep at line 2"):
        engine.scan_files({"deep.tf": deep_terraform(500)}, "devops")


def test_the_nesting_limit_is_below_what_checkov_can_take(engine):
    """Just under the limit, both scanners still run to a verdict (no RecursionError)."""
    depth = structure_limits.MAX_NESTING - 1
    for name, text in (("deep.yaml", deep_manifest(depth)), ("deep.tf", deep_terraform(depth))):
        verdict = engine.scan_files({name: text}, "devops")
        assert verdict.status == "passed", (name, verdict.errors)


def test_past_the_limit_checkov_itself_fails_and_that_is_an_error_verdict(engine, monkeypatch):
    """The second line of defence: with the limit lifted, the RecursionError inside checkov
    is an `error` verdict, never a crash of the caller nor a pass."""
    monkeypatch.setattr(structure_limits, "MAX_NESTING", 10_000)
    verdict = engine.scan_files({"deep.yaml": deep_manifest(500)}, "devops")
    assert verdict.status == "error" and "RecursionError" in verdict.errors[0]


def test_nul_characters_are_refused(engine):
    with pytest.raises(InvalidInput, match="main.tf: binary data"):
        engine.scan_files({"main.tf": LOG_GROUP + "\x00"}, "devops")


def test_a_scan_past_its_cpu_budget_is_an_error_and_the_engine_goes_on():
    engine = GuardrailEngine(cpu_limit_s=0.5)
    # 3,000 queues took 0.60-0.67 CPU s here, too close to the budget: a fast run passed
    many = 'resource "aws_sqs_queue" "q" {\n  count = 12000\n  name  = "q-${count.index}"\n}\n'

    verdict = engine.scan_files({"main.tf": many}, "devops")

    assert verdict.status == "error"
    assert verdict.errors == ["too large to scan: the scan used more than its budget of 0.5 CPU seconds"]
    assert engine.scan_files({"main.tf": LOG_GROUP}, "devops").status == "passed"
    assert engine.scan_files({"main.tf": many}, "devops").status == "error"  # never cached as a result


def test_a_budget_exception_swallowed_by_a_bare_except_still_ends_the_block_over_budget():
    """dpath and checkov catch with bare ``except`` in places; a ScanTooLarge raised there
    is lost and the code goes on, maybe with another answer. The block is still over budget."""
    from services.policy.budget import ScanTooLarge, time_budget

    with pytest.raises(ScanTooLarge):
        with time_budget(0.05):
            swallowed = _busy_swallowing_every_exception(0.3)
    assert swallowed == 1


def _busy_swallowing_every_exception(seconds: float) -> int:
    """Spend ``seconds`` of CPU time inside a bare ``except``; how many exceptions it swallowed."""
    swallowed = 0
    end = time.process_time() + seconds
    while time.process_time() < end:
        try:
            while time.process_time() < end:
                pass
        except BaseException:  # noqa: BLE001 - what a bare except does
            swallowed += 1
    return swallowed


def test_a_scan_whose_budget_exception_was_swallowed_is_an_error_and_is_not_cached(monkeypatch):
    """A ScanTooLarge lost in a bare ``except`` inside checkov: the scan goes on to an
    answer that cannot be trusted. It is an error, and no cache keeps that answer."""
    engine = GuardrailEngine(cpu_limit_s=0.05)
    scan_part = engine._scan_part

    def swallowing(kind, files):
        _busy_swallowing_every_exception(0.3)
        return scan_part(kind, files)

    monkeypatch.setattr(engine, "_scan_part", swallowing)
    verdict = engine.scan_files({"main.tf": LOG_GROUP}, "devops")

    assert verdict.status == "error"
    assert verdict.errors == ["too large to scan: the scan used more than its budget of 0.05 CPU seconds"]
    monkeypatch.setattr(engine, "_scan_part", scan_part)
    again = engine.scan_files({"main.tf": LOG_GROUP}, "devops")
    assert again.status == "passed"
    assert (engine.stats.cache_hits, engine.stats.part_hits) == (0, 0)  # scanned again, nothing kept


def test_a_scan_past_its_memory_budget_is_an_error_and_the_process_goes_on():
    """The worker's pool processes run with an address-space limit (budget.limit_memory):
    here 15 MB above the warm engine's own size, against 400 ConfigMaps (~240 KB)."""
    code = textwrap.dedent(f"""
        import json, sys, logging
        sys.path.insert(0, {str(REPO)!r})
        logging.disable(logging.CRITICAL)
        from services.policy.scanner import configure
        from services.policy.budget import limit_memory
        engine = configure()
        size_mb = int([l for l in open('/proc/self/status') if l.startswith('VmSize')][0].split()[1]) // 1024
        limit_memory(size_mb + 15)
        docs = "".join(
            f"---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: c{{i}}\\n  namespace: a\\ndata:\\n"
            + "".join(f"  k{{j}}: v{{j}}\\n" for j in range(50)) for i in range(400))
        big = engine.scan_files({{"configmaps.yaml": docs}}, "devops")
        small = engine.scan_files({{"main.tf": {LOG_GROUP!r}}}, "devops")
        print(json.dumps({{"big": [big.status, big.errors[:1]], "small": small.status}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["big"] == ["error", ["too large to scan: the scan ran out of its memory budget"]]
    assert out["small"] == "passed"


def test_a_finding_provider_that_raises_is_an_error_verdict(engine):
    def broken_provider(bundle, result):
        raise KeyError("graph node missing")

    verdict_module.register_finding_provider(broken_provider)
    try:
        verdict = engine.scan_files({"main.tf": LOG_GROUP}, "devops")
    finally:
        verdict_module.FINDING_PROVIDERS.remove(broken_provider)
    assert verdict.status == "error"
    assert "broken_provider raised KeyError" in verdict.errors[0]
    assert engine.scan_files({"main.tf": LOG_GROUP}, "devops").status == "passed"
