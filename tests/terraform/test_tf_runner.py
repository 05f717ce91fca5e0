"""The plan runner and the parsers of terraform's plan output (real formats)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from services.terraform.runner import (
    TerraformError,
    TerraformRunner,
    TerraformUnavailable,
    parse_plan_json,
    parse_plan_output,
)


def test_the_summary_line_of_a_real_plan_is_read(fixtures):
    summary = parse_plan_output((fixtures / "plan_s3_output.txt").read_text())
    assert (summary.to_add, summary.to_change, summary.to_destroy, summary.no_changes) == (8, 0, 0, False)
    assert summary.headline == "Plan: 8 to add, 0 to change, 0 to destroy."


def test_no_changes_is_recognised(fixtures):
    summary = parse_plan_output((fixtures / "plan_no_changes_output.txt").read_text())
    assert summary.no_changes and summary.headline == "No changes."


def test_import_counts_and_colour_codes_are_handled():
    # What terraform prints without -no-color.
    output = "\x1b[0m\x1b[1mPlan:\x1b[0m 1 to import, 2 to add, 1 to change, 0 to destroy.\n"
    summary = parse_plan_output(output)
    assert (summary.to_import, summary.to_add, summary.to_change, summary.to_destroy) == (1, 2, 1, 0)
    assert summary.headline == "Plan: 1 to import, 2 to add, 1 to change, 0 to destroy."


def test_a_failed_plan_has_no_summary(fixtures):
    assert parse_plan_output((fixtures / "plan_error_output.txt").read_text()) is None


def test_the_json_plan_agrees_with_the_summary_line(fixtures):
    summary = parse_plan_json((fixtures / "plan_s3.json").read_text())
    line = parse_plan_output((fixtures / "plan_s3_output.txt").read_text())
    assert (summary.to_add, summary.to_change, summary.to_destroy) == (line.to_add, line.to_change, line.to_destroy)
    assert summary.format_version == "1.2" and summary.terraform_version == "1.9.8"
    reads = [c for c in summary.resource_changes if c.action == "read"]
    assert [c.address for c in reads] == ["module.bucket_mcp-app-logs-apne2.data.aws_iam_policy_document.bucket"]
    created = {c.address for c in summary.resource_changes if c.action == "create"}
    assert "module.bucket_mcp-app-logs-apne2.aws_kms_key.this[0]" in created and len(created) == 8


def test_replacements_count_as_one_add_and_one_destroy():
    def change(address, actions, mode="managed", **extra):
        module, _, rest = address.rpartition(".aws_")
        return {
            "address": address, "module_address": module or None, "mode": mode,
            "type": "aws_" + rest.split(".")[0], "name": rest.split(".")[1].split("[")[0],
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": {}, "after": {}, "after_unknown": {}, **extra},
        }

    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "resource_changes": [
            change("module.eks.aws_launch_template.node", ["update"]),
            change("module.eks.aws_eks_node_group.default", ["delete", "create"]),
            change("module.vpc.aws_nat_gateway.this[1]", ["delete"]),
            change("module.vpc.aws_eip.nat[1]", ["delete"]),
            change("module.eks.aws_kms_alias.this", ["no-op"]),
            change("module.eks.aws_iam_role.imported", ["no-op"], importing={"id": "imported-role"}),
            change("module.s3.data.aws_iam_policy_document.bucket", ["read"], mode="data"),
        ],
        "output_changes": {"eks_cluster_name": {"actions": ["no-op"]}},
    }
    summary = parse_plan_json(plan)
    assert summary.headline == "Plan: 1 to import, 1 to add, 1 to change, 3 to destroy."
    by_address = {c.address: c.action for c in summary.resource_changes}
    assert by_address["module.eks.aws_eks_node_group.default"] == "replace"
    assert by_address["module.vpc.aws_eip.nat[1]"] == "delete"


def test_an_empty_plan_with_no_output_changes_is_no_changes():
    summary = parse_plan_json({"format_version": "1.2", "resource_changes": [], "output_changes": {}})
    assert summary.no_changes


def test_an_unknown_plan_format_is_refused():
    with pytest.raises(ValueError, match="format_version '2.0'"):
        parse_plan_json({"format_version": "2.0"})


def test_without_a_binary_the_runner_is_unavailable(tmp_path, monkeypatch):
    with pytest.raises(TerraformUnavailable, match="does not exist or is not executable"):
        TerraformRunner(tmp_path / "terraform")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TerraformUnavailable, match="no terraform or tofu binary on PATH"):
        TerraformRunner(None)


@pytest.fixture
def fake_terraform(tmp_path, fixtures):
    """A stand-in binary that answers like terraform, replaying the fixtures."""
    script = Path(__file__).resolve().parent.parent / "fixtures" / "fake_terraform.py"
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "FAKE_TF_FIXTURES": str(fixtures), "FAKE_TF_LOG": str(log)}
    return script, log, env


def test_plan_runs_init_plan_show_in_an_isolated_workdir_and_streams_lines(bundles, fake_terraform, tmp_path):
    script, log, env = fake_terraform
    runner = TerraformRunner(script, work_root=tmp_path / "runs", plugin_cache_dir=tmp_path / "plugins", env=env)
    lines: list[str] = []
    result = runner.plan(bundles["private-logs-bucket"], on_line=lines.append)

    assert "Terraform has been successfully initialized!" in lines
    assert "Plan: 8 to add, 0 to change, 0 to destroy." in lines
    assert result.summary.to_add == 8 and result.summary.format_version == "1.2"
    assert result.workdir.parent == tmp_path / "runs"
    assert (result.workdir / "main.tf").is_file() and (result.workdir / "modules/aws-s3-bucket/main.tf").is_file()
    assert result.plan_file.read_bytes() == b"binary plan"

    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["args"][0] for c in calls] == ["init", "plan", "show"]
    assert calls[1]["args"] == ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=tfplan"]
    assert {c["cwd"] for c in calls} == {str(result.workdir)}
    assert {c["plugin_cache"] for c in calls} == {str(tmp_path / "plugins")}
    assert {c["automation"] for c in calls} == {"1"}

    assert result.plan_bytes == b"binary plan" and len(result.plan_sha256) == 64

    applied: list[str] = []
    runner.apply(bundles["private-logs-bucket"], result.plan_bytes, on_line=applied.append)
    assert applied[-1] == "Apply complete! Resources: 8 added, 0 changed, 0 destroyed."
    apply_calls = [json.loads(line) for line in log.read_text().splitlines()][3:]
    assert [c["args"][0] for c in apply_calls] == ["init", "apply"]  # a fresh work directory, initialised again
    assert apply_calls[1]["args"] == ["apply", "-input=false", "-no-color", "tfplan"]
    assert apply_calls[0]["cwd"] != str(result.workdir)


def test_a_failing_plan_raises_with_terraform_s_own_error(bundles, fake_terraform, tmp_path):
    script, _, env = fake_terraform
    runner = TerraformRunner(script, work_root=tmp_path / "runs", plugin_cache_dir=tmp_path / "plugins",
                             env={**env, "FAKE_TF_FAIL": "1"})
    with pytest.raises(TerraformError, match="No valid credential sources found") as failure:
        runner.plan(bundles["private-logs-bucket"])
    assert failure.value.exit_code == 1


def test_a_bundle_without_terraform_cannot_be_planned(bundles, fake_terraform, tmp_path):
    script, _, env = fake_terraform
    runner = TerraformRunner(script, work_root=tmp_path / "runs", env=env)
    with pytest.raises(ValueError, match="no Terraform files"):
        runner.prepare(bundles["root-pod"])
