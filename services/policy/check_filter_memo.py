"""checkov's ``RunnerFilter.should_run_check`` answered once per check and filter.

checkov asks its runner filter whether to run a check for every (resource, check)
pair of the Terraform and Kubernetes registries and for every graph check: about a
thousand calls per generated stack, each formatting six debug-log f-strings (the
strings are built even with debug logging off) to answer the same question again.

The answer is a function of the filter's fields, the arguments and the set of checks
registered as external. checkov sets the fields when the filter is built (the CLI's
``main`` sets three more before any runner starts), never during a runner's ``run``,
and the engine builds a new filter for every scan; the external set only grows, so its
size is part of the key. The one side effect, ``_match_regex_pattern`` appending a
generic skip pattern to the filter's pattern list on every call, exists only when the
filter has skip patterns: such a filter is asked without the memo, every time.
"""

from __future__ import annotations

import weakref
from typing import Any

_MEMOS: weakref.WeakKeyDictionary[Any, dict[tuple, bool]] = weakref.WeakKeyDictionary()


def _severity_key(severity: Any) -> tuple | None:
    return None if severity is None else (severity.name, severity.level)


def _memoised(original: Any, external_ids: set[str]) -> Any:
    def should_run_check(
        self: Any,
        check: Any = None,
        check_id: str | None = None,
        bc_check_id: str | None = None,
        severity: Any = None,
        report_type: str | None = None,
        file_origin_paths: list[str] | None = None,
        root_folder: str | None = None,
    ) -> bool:
        if self.skip_checks_regex_patterns:
            return original(self, check, check_id, bc_check_id, severity, report_type, file_origin_paths, root_folder)
        if check is not None:  # checkov reads these three from the check and ignores the arguments
            check_id, bc_check_id, severity = check.id, check.bc_id, check.severity
        key = (
            check_id,
            bc_check_id,
            _severity_key(severity),
            report_type,
            tuple(file_origin_paths) if file_origin_paths else None,
            root_folder,
            len(external_ids),
        )
        memo = _MEMOS.get(self)
        if memo is None:
            memo = _MEMOS[self] = {}
        answer = memo.get(key)
        if answer is None:
            answer = memo[key] = original(
                self, check, check_id, bc_check_id, severity, report_type, file_origin_paths, root_folder
            )
        return answer

    should_run_check.__wrapped__ = original  # type: ignore[attr-defined]
    return should_run_check


def install() -> None:
    """Wrap ``RunnerFilter.should_run_check`` (checkov 3.3.30, ``checkov_tuning.TUNED_FOR``)."""
    from checkov.runner_filter import RunnerFilter

    if hasattr(RunnerFilter.should_run_check, "__wrapped__"):
        return
    external_ids = RunnerFilter._RunnerFilter__EXTERNAL_CHECK_IDS  # type: ignore[attr-defined]
    RunnerFilter.should_run_check = _memoised(RunnerFilter.should_run_check, external_ids)
