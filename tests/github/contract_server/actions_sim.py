"""Actions as GitHub runs them, seen from the API: dispatch, a run's life, its jobs and logs.

The workflow file is read from the repository at the dispatched ref, as GitHub does:
undeclared inputs or a missing required one are a 422, and `run-name` is rendered from
the inputs (that is how a client finds the run it started). A run is queued, then in
progress, then completed after `duration_s`; its logs are a zip laid out as GitHub's
(`<job>/<n>_<step>.txt`). On completion a `workflow_run` webhook is delivered, signed,
to the configured URL.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import yaml

from tests.github.contract_server.shapes import now

_EXPR = re.compile(r"\$\{\{\s*(?:inputs\.([A-Za-z0-9_-]+)|github\.(event_name))\s*\}\}")


@dataclass
class Scenario:
    outcome: str = "success"
    duration_s: float = 0.6
    plan_line: str = "Plan: 3 to add, 0 to change, 0 to destroy."
    webhook_url: str | None = None
    webhook_secret: str | None = None


class DispatchRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def workflow_spec(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text) or {}
    triggers = document.get("on", document.get(True, {})) or {}  # YAML 1.1 reads `on` as true
    dispatch = triggers.get("workflow_dispatch") if isinstance(triggers, dict) else None
    if dispatch is None:
        raise DispatchRefused(422, "Workflow does not have 'workflow_dispatch' trigger")
    return {"name": document.get("name", "workflow"), "run_name": document.get("run-name"),
            "inputs": (dispatch or {}).get("inputs") or {}}


def _jobs(scenario: Scenario) -> list[dict[str, Any]]:
    failed = scenario.outcome == "failure"
    return [
        {"id": 0, "name": "plan", "conclusion": "success", "steps": [
            {"number": 1, "name": "Set up job", "conclusion": "success", "log": ["Runner image ubuntu-24.04"]},
            {"number": 2, "name": "Checkout", "conclusion": "success", "log": ["HEAD is now at approved change"]},
            {"number": 3, "name": "Terraform init", "conclusion": "success", "log": ["Terraform has been successfully initialized!"]},
            {"number": 4, "name": "Terraform plan", "conclusion": "success",
             "log": ["module.vpc.aws_vpc.this will be created", scenario.plan_line]},
        ]},
        {"id": 0, "name": "apply", "conclusion": "failure" if failed else "success", "steps": [
            {"number": 1, "name": "Set up job", "conclusion": "success", "log": ["Runner image ubuntu-24.04"]},
            {"number": 2, "name": "Verify approved commit", "conclusion": "success", "log": ["commit matches the approval"]},
            {"number": 3, "name": "Terraform apply", "conclusion": "failure" if failed else "success",
             "log": (["module.eks.aws_eks_cluster.this: Creating...",
                      "Error: creating EKS Cluster (eks-nginx): AccessDeniedException: not authorized",
                      "##[error]Process completed with exit code 1."] if failed
                     else ["Apply complete! Resources: 3 added, 0 changed, 0 destroyed."])},
        ]},
    ]


@dataclass
class Actions:
    scenario: Scenario = field(default_factory=Scenario)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 30_000_000

    def dispatch(self, workflow: dict[str, Any], spec: dict[str, Any], ref: str, head_sha: str,
                 inputs: dict[str, Any]) -> dict[str, Any]:
        declared = spec["inputs"]
        unexpected = sorted(set(inputs) - set(declared))
        if unexpected:
            raise DispatchRefused(422, f"Unexpected inputs provided: {unexpected}")
        missing = sorted(k for k, v in declared.items() if (v or {}).get("required") and k not in inputs)
        if missing:
            raise DispatchRefused(422, f"Required input '{missing[0]}' not provided")
        values = {k: str(inputs.get(k, (v or {}).get("default", ""))) for k, v in declared.items()}
        name = _EXPR.sub(lambda m: "workflow_dispatch" if m.group(2) else values.get(m.group(1), ""),
                         spec["run_name"] or spec["name"])
        self._next_id += 1
        stamp = now()
        jobs = _jobs(self.scenario)
        for index, job in enumerate(jobs):
            job["id"] = self._next_id * 10 + index
        run = {"id": self._next_id, "number": len(self.runs) + 1, "name": name, "ref": ref, "head_sha": head_sha,
               "path": workflow["path"], "workflow_id": workflow["id"], "workflow_name": spec["name"],
               "status": "queued", "conclusion": None, "created_at": stamp, "updated_at": stamp,
               "inputs": values, "jobs": jobs, "started": time.monotonic(), "duration": self.scenario.duration_s,
               "outcome": self.scenario.outcome, "webhook": (self.scenario.webhook_url, self.scenario.webhook_secret)}
        self.runs[run["id"]] = run
        return run

    def advance(self) -> list[dict[str, Any]]:
        """Move runs along their life; returns the runs that completed just now."""
        completed = []
        for run in self.runs.values():
            age = time.monotonic() - run["started"]
            if run["status"] == "queued" and age > run["duration"] / 3:
                run["status"], run["updated_at"] = "in_progress", now()
            if run["status"] == "in_progress" and age > run["duration"]:
                run["status"], run["conclusion"], run["updated_at"] = "completed", run["outcome"], now()
                completed.append(run)
        return completed

    @staticmethod
    def logs_zip(run: dict[str, Any]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for index, job in enumerate(run["jobs"]):
                whole = []
                for step in job["steps"]:
                    lines = [f"{run['updated_at'][:19]}.0000000Z {line}" for line in step["log"]]
                    archive.writestr(f"{job['name']}/{step['number']}_{step['name']}.txt", "\n".join(lines) + "\n")
                    whole += lines
                archive.writestr(f"{index}_{job['name']}.txt", "\n".join(whole) + "\n")
        return buffer.getvalue()


def signed_delivery(event: str, payload: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature,
                  "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/contract"}
