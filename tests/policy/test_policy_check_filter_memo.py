"""The runner filter's memoised "run this check?" answers as checkov's own.

``services/policy/check_filter_memo.py`` keeps one answer per check and filter. Here
every call of a real scan (about 350 for four buckets) is answered by both; filters with
checks, skips, severities and path-pattern skips are asked about every registered
Terraform check twice, both ways; and a filter with path-pattern skips, whose call
changes the filter, is never answered from the memo.
"""

from __future__ import annotations

import pytest

from tests.policy.conftest import REPO, bundle_from_dir

pytestmark = pytest.mark.policy_env


def _checks():
    from checkov.terraform.checks.resource.registry import resource_registry

    return [check for checks in resource_registry.checks.values() for check in checks]


def test_every_call_of_a_scan_gets_checkovs_answer(engine, monkeypatch):
    from checkov.runner_filter import RunnerFilter

    memoised = RunnerFilter.should_run_check
    original = memoised.__wrapped__
    calls = []

    def both(self, *args, **kwargs):
        answer = memoised(self, *args, **kwargs)
        assert answer == original(self, *args, **kwargs)
        calls.append(answer)
        return answer

    monkeypatch.setattr(RunnerFilter, "should_run_check", both)
    engine.clear_cache()
    engine.scan(bundle_from_dir(REPO / "bench" / "corpus" / "generated" / "aws-buckets-4-sae1"), "security")
    assert len(calls) > 200 and all(calls)


@pytest.mark.parametrize("options", [
    {},
    {"checks": ["CKV_AWS_88", "CKV_AWS_21"]},
    {"skip_checks": ["CKV_AWS_88"]},
    {"checks": ["HIGH"]},
    {"skip_checks": ["LOW"]},
    {"include_all_checkov_policies": False},
], ids=str)
def test_any_filter_answers_as_checkov(engine, options):
    from checkov.runner_filter import RunnerFilter

    memoised = RunnerFilter.should_run_check
    original = memoised.__wrapped__
    runner_filter = RunnerFilter(framework=["terraform"], **options)
    for _ in range(2):
        for check in _checks():
            for paths in (None, ["/main.tf"]):
                assert memoised(runner_filter, check, report_type="terraform", file_origin_paths=paths) == original(
                    runner_filter, check, report_type="terraform", file_origin_paths=paths), check.id
            assert memoised(runner_filter, check_id=check.id, bc_check_id=check.bc_id) == original(
                runner_filter, check_id=check.id, bc_check_id=check.bc_id)


def test_a_filter_with_path_patterns_is_asked_every_time(engine):
    from checkov.runner_filter import RunnerFilter

    check = _checks()[0]
    runner_filter = RunnerFilter(framework=["terraform"], skip_checks=[f"{check.id}:.*legacy.*", "CKV_AWS_*:x"])
    asked = []
    original = RunnerFilter.should_run_check.__wrapped__

    from services.policy import check_filter_memo

    def counting(self, *args):
        asked.append(args)
        return original(self, *args)

    ask = check_filter_memo._memoised(counting, set())
    first = ask(runner_filter, check, None, None, None, "terraform", ["/legacy/main.tf"], None)
    second = ask(runner_filter, check, None, None, None, "terraform", ["/legacy/main.tf"], None)
    assert first is second is False
    assert len(asked) == 2
