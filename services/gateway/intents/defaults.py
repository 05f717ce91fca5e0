"""What the parser fills in when the text does not say, and where each value came from.

Why a plain model passed in: the parser stays a pure function of (text, persona,
defaults); the gateway builds `IntentDefaults` from the config service
(services/gateway/intent_defaults.py) and every default carries its source, so the
answer can say "region from config:defaults.region.aws (env=dev)".
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.intent import DeploymentIntent, Persona


class Sourced(BaseModel):
    """A default value and where it came from."""

    model_config = ConfigDict(frozen=True)

    value: Any
    source: str


def _builtin(value: Any, what: str) -> Sourced:
    return Sourced(value=value, source=f"built-in default ({what})")


class AppDefault(BaseModel):
    """Image, pinned tag and port for an app named without them (overrides the lexicon's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str | None = None
    tag: str | None = None
    port: int | None = None
    source: str = "built-in lexicon"


class IntentDefaults(BaseModel):
    model_config = ConfigDict(frozen=True)

    cloud: Sourced = _builtin("aws", "cloud")
    environment: Sourced = _builtin("dev", "environment")
    persona: Sourced = _builtin(Persona.devops.value, "persona")
    namespace: Sourced = _builtin("apps", "namespace")
    replicas: Sourced = _builtin(2, "replicas")
    regions: dict[str, Sourced] = Field(default_factory=lambda: {
        "aws": _builtin("ap-northeast-2", "aws region"),
        "gcp": _builtin("asia-northeast3", "gcp region"),
        "azure": _builtin("koreacentral", "azure region"),
    })
    apps: dict[str, AppDefault] = Field(default_factory=dict, description="app name -> image/tag/port override")
    previous: DeploymentIntent | None = Field(
        default=None, description="The latest run's intent: what 'review the Terraform code' refers to"
    )
    previous_source: str = ""

    def region(self, cloud: str) -> Sourced | None:
        return self.regions.get(cloud)


BUILTIN = IntentDefaults()
