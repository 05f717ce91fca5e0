"""What a user asks for, as a structured intent (contract v1).

The gateway validates a request against these models before anything is queued, so a
worker never receives an intent it cannot act on. Natural-language requests are turned
into the same model by a later parser; everything downstream only sees this form.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_PATTERN = r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$"
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

AWS_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
        "ap-southeast-2", "ap-south-1", "sa-east-1",
    }
)
GCP_REGIONS = frozenset(
    {"us-central1", "us-east1", "us-west1", "europe-west1", "europe-west3",
     "asia-northeast1", "asia-northeast3", "asia-southeast1"}
)
AZURE_REGIONS = frozenset(
    {"eastus", "eastus2", "westus2", "westeurope", "northeurope", "koreacentral",
     "japaneast", "southeastasia"}
)
REGIONS = {"aws": AWS_REGIONS, "gcp": GCP_REGIONS, "azure": AZURE_REGIONS}
PLATFORMS = {"aws": "eks", "gcp": "gke", "azure": "aks"}
# Machine type names as each cloud spells them (e.g. m6i.large, e2-standard-4, Standard_D4ds_v5).
INSTANCE_TYPES = {
    "aws": (re.compile(r"^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge)$"), "m6i.large"),
    "gcp": (re.compile(r"^[a-z]\d[a-z]?-(standard|highmem|highcpu|custom|micro|small|medium)(-\d+)?$"), "e2-standard-4"),
    "azure": (re.compile(r"^Standard_[A-Za-z0-9]+(_v\d+)?$"), "Standard_D4ds_v5"),
}


class Persona(StrEnum):
    devops = "devops"
    security = "security"
    sre = "sre"


class Action(StrEnum):
    deploy = "deploy"
    provision = "provision"
    review_and_deploy = "review_and_deploy"
    destroy = "destroy"  # plans `terraform plan -destroy` of the stack; applied only after approval
    summarize = "summarize"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClusterSpec(_Strict):
    name: str = Field(pattern=NAME_PATTERN, description="Cluster name")
    kubernetes_version: str = Field(default="1.31", pattern=r"^1\.(2[89]|3[0-9])$")
    node_instance_type: str | None = Field(
        default=None, max_length=40, description="Node machine type of the cluster's cloud; default per cloud"
    )
    node_min: int = Field(default=2, ge=1, le=100)
    node_max: int = Field(default=4, ge=1, le=200)

    @model_validator(mode="after")
    def _sizes(self) -> ClusterSpec:
        if self.node_max < self.node_min:
            raise ValueError("node_max must be >= node_min")
        return self


WorkloadKind = Literal["Deployment", "DaemonSet", "StatefulSet"]


class AppSpec(_Strict):
    name: str = Field(pattern=NAME_PATTERN, description="Workload name, e.g. nginx")
    kind: WorkloadKind = Field(default="Deployment", description="Deployment, DaemonSet (one pod per node) or StatefulSet")
    image: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9./_-]*$")
    tag: str = Field(description="A pinned image tag; 'latest' is refused")
    replicas: int = Field(default=2, ge=1, le=50, description="Pods of a Deployment or StatefulSet (a DaemonSet runs one per node)")
    port: int = Field(default=80, ge=1, le=65535)
    namespace: str = Field(default="default", pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    expose: bool = Field(default=False, description="Add an Ingress")
    run_as_root: bool = Field(default=False, description="User asked for root; guardrails decide")
    privileged: bool = Field(default=False, description="User asked for privileged; guardrails decide")

    @field_validator("tag")
    @classmethod
    def _pinned(cls, tag: str) -> str:
        if not _IMAGE_TAG.match(tag):
            raise ValueError("tag must be a valid image tag such as 1.27.3")
        if tag == "latest":
            raise ValueError("tag 'latest' is mutable: pin a version such as 1.27.3")
        return tag


class BucketSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    purpose: str = Field(default="", max_length=200)
    versioning: bool = True
    public_read: bool = Field(default=False, description="User asked for public read; guardrails decide")


class DeploymentIntent(_Strict):
    """A deployment or provisioning request in structured form."""

    schema_version: Literal[1] = 1
    action: Action = Action.deploy
    cloud: Literal["aws", "gcp", "azure"]
    platform: Literal["eks", "gke", "aks"] | None = None
    region: str
    environment: Literal["dev", "staging", "prod"] = "dev"
    stack: str = Field(pattern=NAME_PATTERN, description="Stack name: the Terraform workspace and lock target")
    cluster: ClusterSpec | None = None
    app: AppSpec | None = None
    buckets: list[BucketSpec] = Field(default_factory=list, max_length=10)
    gitops: Literal["argocd", "flux", "none"] = "none"
    ci: Literal["github_actions", "none"] = "github_actions"

    @model_validator(mode="after")
    def _consistent(self) -> DeploymentIntent:
        if self.region not in REGIONS[self.cloud]:
            known = ", ".join(sorted(REGIONS[self.cloud]))
            raise ValueError(f"region {self.region!r} is not a known {self.cloud} region (one of: {known})")
        if self.platform and PLATFORMS[self.cloud] != self.platform:
            raise ValueError(f"platform {self.platform} does not run on {self.cloud}; use {PLATFORMS[self.cloud]}")
        if self.cluster and not self.platform:
            raise ValueError("a cluster needs a platform (eks, gke or aks)")
        if self.cluster and self.cluster.node_instance_type:
            pattern, example = INSTANCE_TYPES[self.cloud]
            if not pattern.match(self.cluster.node_instance_type):
                raise ValueError(
                    f"node_instance_type {self.cluster.node_instance_type!r} is not a {self.cloud} machine type "
                    f"(e.g. {example})"
                )
        if self.app and not (self.platform or self.cluster):
            raise ValueError("an app needs a platform to run on: set platform (eks/gke/aks)")
        if self.gitops != "none" and not self.app:
            raise ValueError(f"gitops={self.gitops} needs an app to manage")
        if self.action is not Action.summarize and not (self.cluster or self.app or self.buckets):
            raise ValueError("nothing to build: give a cluster, an app or at least one bucket")
        return self

    @property
    def target(self) -> str:
        """The lock target: one stack per cloud/region/environment at a time."""
        return f"{self.cloud}/{self.region}/{self.environment}/{self.stack}"
