"""Queues and task names: the only names the services share.

The gateway sends tasks by these names; it never imports service code. A task name is
`service.verb` and always runs on the queue of its service, so a service can be scaled
or moved without touching the others.
"""

from __future__ import annotations

from enum import StrEnum


class Queue(StrEnum):
    rag = "rag"
    terraform = "terraform"
    policy = "policy"
    github = "github"
    k8s = "k8s"


class Task(StrEnum):
    rag_retrieve = "rag.retrieve"
    terraform_generate = "terraform.generate"
    terraform_plan = "terraform.plan"
    terraform_apply = "terraform.apply"
    policy_validate = "policy.validate"
    github_open_pr = "github.open_pr"
    github_dispatch_workflow = "github.dispatch_workflow"
    github_await_run = "github.await_run"
    k8s_deploy = "k8s.deploy"
    k8s_await_rollout = "k8s.await_rollout"
    rag_record_graph = "rag.record_graph"
    rag_report = "rag.report"
    policy_scan_files = "policy.scan_files"
    # rag, outside a run: knowledge search and ingestion, graph import
    rag_search = "rag.search"
    rag_ingest = "rag.ingest"
    rag_graph_import = "rag.graph_import"
    k8s_live_state = "k8s.live_state"  # read back a stack's live objects and drift (for the graph)

    @property
    def queue(self) -> Queue:
        return Queue(self.value.split(".", 1)[0])



# The two chains of a run (plan, then apply after approval), in order.
CHAIN_PLAN = (
    Task.rag_retrieve,
    Task.terraform_generate,
    Task.policy_validate,
    Task.terraform_plan,  # after the guardrails: terraform init never runs unvetted code
    Task.github_open_pr,
)
CHAIN_APPLY = (
    Task.github_dispatch_workflow,
    Task.github_await_run,
    Task.terraform_apply,
    Task.k8s_deploy,
    Task.k8s_await_rollout,
    Task.rag_record_graph,
    Task.rag_report,
)
STEP_ORDER = {task.value: index for index, task in enumerate(CHAIN_PLAN + CHAIN_APPLY)}
