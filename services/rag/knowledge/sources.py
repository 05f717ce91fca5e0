"""What the knowledge index is made of, read from the repository's own files.

Three kinds of document, each with the metadata retrieval filters and cites on:

- `module`: a catalog module (module.yaml purpose, inputs, outputs, guardrails, and
  its README when there is one) and, as a second document, its variables.tf;
- `guardrail`: one guardrail of the pack: why (the YAML's leading comment), what it
  checks (title, message, check ids) and how to fix it;
- `runbook`: a Markdown file from the knowledge folders (`MCP_KNOWLEDGE_DIRS`).

Every document has a stable `doc_id`, a `key` (module name, guardrail id or runbook
name: what a question's answer is) and the sha256 of its text, so ingestion re-embeds
only what changed. The guardrail YAML files are read as files, not imported: the rag
service does not import the policy service.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shared.settings import REPO_ROOT, get_settings

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# `  - CKV_AWS_25    # security group: 0.0.0.0/0 to port 3389`: the pack says what each check id
# checks in a comment beside it; that text (ports, protocols, RDP, SSH) is what questions ask by.
_CHECK_COMMENT = re.compile(r"^\s*-\s*([A-Za-z0-9_]+)\s*#\s*(.+?)\s*$")
CLOUDS = ("aws", "gcp", "azure")


@dataclass(frozen=True)
class KnowledgeDocument:
    doc_id: str
    key: str
    kind: str  # module | guardrail | runbook
    title: str
    source: str  # repository-relative path
    text: str
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.title}\n{self.text}\n{sorted(self.metadata.items())}".encode()).hexdigest()


def language(text: str) -> str:
    return "ko" if len(_HANGUL.findall(text)) > max(20, len(text) // 50) else "en"


def display_path(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _doc(doc_id: str, key: str, kind: str, title: str, path: Path, text: str, **metadata: str) -> KnowledgeDocument:
    meta = {"kind": kind, "key": key, "title": title, "source": display_path(path), "language": language(text),
            **{k: v for k, v in metadata.items() if v}}
    return KnowledgeDocument(doc_id=doc_id, key=key, kind=kind, title=title, source=meta["source"], text=text,
                             metadata=meta)


def module_documents(folder: Path) -> list[KnowledgeDocument]:
    meta = yaml.safe_load((folder / "module.yaml").read_text()) or {}
    name = meta.get("name", folder.name)
    cloud = meta.get("cloud", "")
    lines = [f"Terraform catalog module {name} ({cloud}).", f"Purpose: {meta.get('purpose', '')}"]
    if meta.get("guardrails"):
        lines.append(f"Meets guardrails: {', '.join(meta['guardrails'])}.")
    for item in meta.get("inputs", []):
        lines.append(f"Input {item['name']} ({item['type']}{', required' if item.get('required') else ''}): "
                     f"{item.get('description', '')}")
    for item in meta.get("outputs", []):
        lines.append(f"Output {item['name']}: {item.get('description', '')}")
    for item in meta.get("accepted_checks", []):
        lines.append(f"Accepted check {item['id']}: {item['reason']}")
    readme = folder / "README.md"
    if readme.is_file():
        lines.append(readme.read_text())
    documents = [_doc(f"module:{name}", name, "module", f"Catalog module {name}", folder / "module.yaml",
                      "\n".join(lines), cloud=cloud, module=name)]
    variables = folder / "variables.tf"
    if variables.is_file():
        documents.append(_doc(f"module:{name}:variables", name, "module", f"{name} variables", variables,
                              f"Variables of the Terraform module {name} ({cloud}).\n{variables.read_text()}",
                              cloud=cloud, module=name))
    return documents


def guardrail_document(path: Path) -> KnowledgeDocument | None:
    text = path.read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or "id" not in data:
        return None  # plain-severity.yaml and other non-guardrail files
    rationale = " ".join(line.lstrip("# ").strip() for line in text.splitlines()
                         if line.startswith("#") and not line.startswith("#!"))
    described = {m.group(1): m.group(2) for m in map(_CHECK_COMMENT.match, text.splitlines()) if m}
    checks = [f"{i} ({described[i]})" if i in described else str(i)
              for i in [*data.get("checkov_ids", []), *data.get("own_ids", [])]]
    if data.get("graph_check"):
        checks.append(f"graph check {data['graph_check']} (reads the infrastructure graph)")
    body = "\n".join([
        f"Guardrail {data['id']}: {data.get('title', '')} (severity {data.get('severity', '')}, "
        f"{'blocking' if data.get('blocking') else 'not blocking'}).",
        f"Why: {rationale}",
        f"What it checks: {data.get('message', '')} Checks: {', '.join(checks)}.",
        f"How to fix: {data.get('fix', '')}",
    ])
    cloud = next((c for c in CLOUDS if any(str(i).startswith(f"CKV_{c.upper()}") for i in checks)), "")
    return _doc(f"guardrail:{data['id']}", data["id"], "guardrail", f"{data['id']} {data.get('title', '')}", path,
                body, guardrail_id=data["id"], cloud=cloud)


def runbook_document(path: Path) -> KnowledgeDocument:
    text = path.read_text()
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), path.stem)
    cloud = next((c for c in CLOUDS if re.search(rf"\b{c}\b", text, re.I)), "")
    return _doc(f"runbook:{display_path(path)}", path.stem, "runbook", title, path, text, cloud=cloud)


def guardrail_dirs() -> list[Path]:
    pack = REPO_ROOT / "services" / "policy" / "guardrails"
    return get_settings().rag_guardrail_dirs or [pack, pack / "graph"]


def load_documents(knowledge_dirs: list[Path] | None = None, guardrails: list[Path] | None = None) -> list[KnowledgeDocument]:
    """Every document of the knowledge base, in a stable order."""
    documents: list[KnowledgeDocument] = []
    for folder in knowledge_dirs if knowledge_dirs is not None else get_settings().knowledge_dirs:
        if not folder.is_dir():
            continue
        module_dirs = {p.parent for p in folder.rglob("module.yaml")}
        for module_dir in sorted(module_dirs):
            documents += module_documents(module_dir)
        for path in sorted(folder.rglob("*.md")):
            if path.parent not in module_dirs:
                documents.append(runbook_document(path))
    for folder in guardrails if guardrails is not None else guardrail_dirs():
        for path in sorted(folder.glob("*.yaml")):
            document = guardrail_document(path)
            if document:
                documents.append(document)
    seen: dict[str, KnowledgeDocument] = {}
    for document in documents:
        seen.setdefault(document.doc_id, document)
    return list(seen.values())
