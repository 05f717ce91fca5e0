"""The logs summary: what it reads from a GitHub logs archive, and that it says when it stopped short."""

from __future__ import annotations

import io
import zipfile

from services.github import run_logs
from services.github.plan_counts import plan_counts


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_plan_counts_are_read_from_timestamped_coloured_ci_lines():
    line = "2026-12-02T18:00:00.1234567Z \x1b[1mPlan:\x1b[0m 2 to add, 1 to change, 0 to destroy."
    assert plan_counts(f"init\n{line}\n").model_dump() == {"to_add": 2, "to_change": 1, "to_destroy": 0, "no_changes": False}
    assert plan_counts("No changes. Your infrastructure matches the configuration.").no_changes
    assert plan_counts("Error: Invalid provider configuration") is None


def test_the_failed_step_keeps_only_its_last_error_lines():
    noise = "\n".join(f"2026-12-02T18:00:00.0000000Z line {n}" for n in range(5000))
    archive = _zip({
        "apply/3_Terraform apply.txt": noise + "\n2026-12-02T18:00:01.0000000Z Error: AccessDenied\n##[error]exit code 1\n",
        "plan/4_Terraform plan.txt": "Plan: 5 to add, 0 to change, 1 to destroy.\n",
    })
    jobs = [run_logs.JobOutcome("plan", "success", []), run_logs.JobOutcome("apply", "failure", [(3, "Terraform apply", "failure")])]
    summary = run_logs.summarise(archive, jobs)
    [failed] = summary.failed
    assert failed.last_lines == ["Error: AccessDenied", "##[error]exit code 1"]
    assert summary.plan.to_destroy == 1 and not summary.truncated
    assert "failed apply / Terraform apply: ##[error]exit code 1" in run_logs.describe(summary)


def test_a_file_over_the_bound_is_read_from_its_end_and_marked_truncated(monkeypatch):
    monkeypatch.setattr(run_logs, "MAX_FILE_BYTES", 1000)
    archive = _zip({"apply/1_Run.txt": "x" * 5000 + "\nError: the end\n"})
    summary = run_logs.summarise(archive, [run_logs.JobOutcome("apply", "failure", [(1, "Run", "failure")])])
    assert summary.truncated and summary.failed[0].last_lines == ["Error: the end"]
    assert "(truncated)" in run_logs.describe(summary)


def test_something_that_is_not_a_zip_is_reported_not_summarised():
    summary = run_logs.summarise(b"<html>expired</html>", [])
    assert summary.error.startswith("the logs are not a zip archive")
    assert run_logs.describe(summary).startswith("logs not summarised")
