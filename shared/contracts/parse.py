"""What the intent parser understood from a request in words (contract v1).

The parser (services/gateway/intents/) turns text such as "AWS EKS 클러스터에 Nginx
배포하고 ArgoCD로 관리해줘" into a `ParsedRequest`. The HTTP API, the MCP tools and the
console all show the same object, so a person sees what was understood, what was
defaulted and why, and what is still missing before anything runs. A parse never
creates a run: with `missing` non-empty there is no intent, only questions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.intent import DeploymentIntent, Persona


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefaultedField(_Model):
    """A field the text did not give, filled from a default the server names."""

    field: str = Field(description="Dotted intent path, e.g. 'region' or 'app.tag'")
    value: Any
    source: str = Field(description="Where the value came from, e.g. 'config:defaults.region (env=dev)'")


class MissingField(_Model):
    """Something required that the text did not say or said ambiguously."""

    field: str = Field(description="Dotted intent path, e.g. 'app.name'")
    question: str = Field(description="The question to ask, in the request's language")
    choices: list[str] = Field(default_factory=list, description="Known answers, when the set is small")


class ParsedRequest(_Model):
    schema_version: Literal[1] = 1
    text: str
    language: Literal["ko", "en", "mixed"]
    kind: Literal["change", "query"] = Field(
        description="change: a run that builds or reviews something; query: a read (status, logs, what failed)"
    )
    persona: Persona
    understood: dict[str, Any] = Field(default_factory=dict, description="Fields read from the text, by dotted path")
    defaulted: list[DefaultedField] = Field(default_factory=list)
    missing: list[MissingField] = Field(default_factory=list)
    intent: DeploymentIntent | None = Field(default=None, description="Set when kind=change and nothing is missing")
    query: dict[str, Any] | None = Field(default=None, description="For kind=query: what to read (e.g. last run, failed)")
    ignored: list[str] = Field(
        default_factory=list, description="Phrases with no effect, e.g. 'ignore the guardrails' (never obeyed)"
    )
    parser: str = Field(default="rules", description="rules, or rules+llm when the optional backend filled fields")

    @property
    def complete(self) -> bool:
        return not self.missing
