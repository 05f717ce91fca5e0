"""Requests to the rag service outside a run (contract v1): knowledge search, graph import.

The gateway and the CLI send these by task name (`rag.search`, `rag.ingest`,
`rag.graph_import`) and wait for the answer; they never import the rag service.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KnowledgeQuery(_Model):
    question: str = Field(min_length=2, max_length=500)
    top_k: int = Field(default=5, ge=1, le=20)
    kinds: list[Literal["module", "guardrail", "runbook"]] = Field(default_factory=list)


class KnowledgePassage(_Model):
    key: str
    kind: str
    title: str
    source: str
    score: float
    text: str
    metadata: dict[str, str] = Field(default_factory=dict)
    ranks: dict[str, int] = Field(default_factory=dict, description="rank in each fused retriever")


class KnowledgeAnswer(_Model):
    question: str
    normalised: str = Field(description="the English rendering the vector search used")
    retriever: str
    passages: list[KnowledgePassage] = Field(default_factory=list)
    error: str = ""


class GraphImportRequest(_Model):
    format: Literal["auto", "terraform-state", "terraform-show", "kubernetes", "runs"] = "auto"
    content: str = Field(min_length=2, description="the file's text (JSON)")
    filename: str = ""
    stack: str = Field(default="", max_length=200, description="stack target the resources belong to")
    account: str = Field(default="", max_length=64)
    region: str = Field(default="", max_length=40)
    cluster: str = Field(default="", max_length=100, description="cluster a kubectl list was read from")
    role: Literal["desired", "observed"] = Field(
        default="observed", description="Terraform state is what exists (observed) unless told it is the plan")


class GraphImportResult(_Model):
    format: str = ""
    nodes: int = 0
    relationships: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    kinds: dict[str, int] = Field(default_factory=dict)
    error: str = ""
