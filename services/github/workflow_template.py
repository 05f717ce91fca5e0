"""The Actions workflow a GitOps repository needs (templates/mcp-cloud.yml), as a bundle file.

Installed once on the repository's default branch: GitHub dispatches only workflows it
finds there. It is a GitHub Actions file, so the policy worker scans it with checkov's
github_actions framework like any other upload (`POST /api/v1/validate`).
"""

from __future__ import annotations

from pathlib import Path

from shared.contracts import FileKind, GeneratedFile

TEMPLATE = Path(__file__).with_name("templates") / "mcp-cloud.yml"
WORKFLOW_PATH = ".github/workflows/mcp-cloud.yml"


def workflow_file() -> GeneratedFile:
    return GeneratedFile(path=WORKFLOW_PATH, kind=FileKind.github_actions, content=TEMPLATE.read_text())
