"""What `intent.ci` changes: whether an approved change goes through a CI workflow.

`github_actions` (the default): the pull request carries the shipped workflow when the
repository needs it (workflow_template.py), and after approval github.dispatch_workflow
runs it and github.await_run follows it and merges the pull request on success.
`none`: no workflow is added or dispatched; the approved change is merged as approved
and the pipeline's own workers apply it (terraform.apply, k8s.deploy). Both github steps
are recorded `skipped` with the reason CI_NONE, never silently.
"""

from __future__ import annotations

from shared.contracts import RunMessage

CI_NONE = "intent.ci is none"


def uses_actions(message: RunMessage) -> bool:
    return message.intent.ci == "github_actions"
