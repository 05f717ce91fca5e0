"""The shipped workflow: least privilege and pinned actions, scanned by the policy worker with
checkov's github_actions framework through the gateway (`POST /api/v1/validate`)."""

from __future__ import annotations

import re

import yaml

from services.github.workflow_template import WORKFLOW_PATH, workflow_file


def test_the_workflow_plans_on_pull_requests_and_applies_only_on_dispatch_in_a_protected_environment():
    workflow = yaml.safe_load(workflow_file().content)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"pull_request", "workflow_dispatch"}
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"correlation_id", "run_id", "commit_sha", "stack"}
    assert "${{ inputs.correlation_id }}" in workflow["run-name"]
    assert workflow["permissions"] == {"contents": "read"}
    apply = workflow["jobs"]["apply"]
    assert apply["if"] == "github.event_name == 'workflow_dispatch'" and apply["environment"] == "production"
    assert apply["permissions"] == {"contents": "read", "id-token": "write"}
    assert "inputs" not in " ".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses


def test_the_policy_worker_scans_the_workflow_with_checkovs_github_actions_framework(api, workers, keys):
    response = api.post("/api/v1/validate", json={"files": {WORKFLOW_PATH: workflow_file().content}},
                        headers=keys.requester)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["status"] == "passed"
    assert verdict["checks_passed"] >= 40  # checkov's CKV_GHA_* / CKV2_GHA_* checks ran on it
    # The one finding: dispatch inputs (CKV_GHA_7). They carry the correlation id and the approved
    # commit, which the apply job checks, so they cannot change what is built.
    assert [(f["check_id"], f["file"], f["blocking"]) for f in verdict["findings"]] == [("CKV_GHA_7", WORKFLOW_PATH, False)]
