"""Prometheus metrics of the gateway (`/metrics`). Task-level metrics come from Flower's own `/metrics`."""

from __future__ import annotations

from prometheus_client import Counter

RUNS_CREATED = Counter("mcpcloud_runs_created_total", "Runs accepted by the gateway", ["persona"])
RUN_DECISIONS = Counter("mcpcloud_run_decisions_total", "Approvals, rejections and cancellations", ["decision"])
VALIDATIONS = Counter("mcpcloud_validations_total", "POST /api/v1/validate verdicts", ["status"])
