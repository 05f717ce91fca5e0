"""The graph guardrails' checks: what the change does (read from its files and intent)
against what the graph holds. Each returns its findings ([] = passed), or None when the
change gives it nothing to check (no entry point, no rule on an existing group, no
stack): then it is counted neither passed nor failed."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import yaml

from shared import graph
from shared.contracts import DeploymentIntent, Finding

from services.policy.graph_checks import GraphGuardrail

INTERNET = ("0.0.0.0/0", "::/0")
INTERNAL_SCHEME = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                   "service.beta.kubernetes.io/aws-load-balancer-internal": "true"}


def _scalar(value: object) -> object:
    """checkov's python-hcl2 wraps every attribute in a list; python-hcl2 itself does not."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def _listed(value: object) -> list:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    return value if isinstance(value, list) else ([] if value in (None, "") else [value])


@dataclass
class Rule:
    file: str
    resource: str
    sg_id: str
    from_port: int
    to_port: int
    cidrs: list[str]


@dataclass
class Change:
    intent: DeploymentIntent | None
    entry_points: list[tuple[str, str]] = field(default_factory=list)  # (file, "Service x" / "Ingress y")
    rules: list[Rule] = field(default_factory=list)
    terraform: bool = False
    declares_vpc: bool = False

    @classmethod
    def read(cls, files: dict[str, str], intent: DeploymentIntent | None) -> Change:
        change = cls(intent=intent)
        for path, text in sorted(files.items()):
            if path.endswith((".yaml", ".yml")):
                change._manifests(path, text)
            elif path.endswith(".tf") and "/modules/" not in f"/{path}":
                change.terraform = True
                change._terraform(path, text)
        return change

    def _manifests(self, path: str, text: str) -> None:
        try:
            documents = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
        except yaml.YAMLError:
            return  # the scanner reports unreadable manifests
        for doc in documents:
            meta = doc.get("metadata") or {}
            annotations = meta.get("annotations") or {}
            internal = any(annotations.get(k) == v for k, v in INTERNAL_SCHEME.items())
            if doc.get("kind") == "Service" and (doc.get("spec") or {}).get("type") == "LoadBalancer" and not internal:
                self.entry_points.append((path, f"Service {meta.get('name')}"))
            elif doc.get("kind") == "Ingress" and not internal:
                self.entry_points.append((path, f"Ingress {meta.get('name')}"))

    def _terraform(self, path: str, text: str) -> None:
        import hcl2

        try:
            document = hcl2.loads(text)
        except Exception:  # noqa: BLE001 - the scanner reports unparsable Terraform
            return
        for module in document.get("module") or []:
            for body in module.values():
                if str(_scalar(body.get("source", ""))).strip('"').endswith("aws-vpc"):
                    self.declares_vpc = True
        for resource in document.get("resource") or []:
            for rtype, named in resource.items():
                rtype = rtype.strip('"')
                for name, body in named.items():
                    self._rule(path, rtype, name.strip('"'), body)

    def _rule(self, path: str, rtype: str, name: str, body: dict) -> None:
        def literal(value: object) -> str:
            text = str(_scalar(value)).strip('"')
            return "" if "${" in text else text

        def port(value: object) -> int:
            try:
                return int(str(_scalar(value)).strip('"'))
            except ValueError:
                return -1

        if rtype == "aws_security_group_rule" and literal(body.get("type")) == "ingress":
            cidrs = [literal(c) for c in _listed(body.get("cidr_blocks")) + _listed(body.get("ipv6_cidr_blocks"))]
        elif rtype == "aws_vpc_security_group_ingress_rule":
            cidrs = [literal(body.get(k)) for k in ("cidr_ipv4", "cidr_ipv6") if body.get(k)]
        else:
            return
        sg_id = literal(body.get("security_group_id"))
        if sg_id.startswith("sg-"):  # an existing group, named by id; a new group has no users yet
            self.rules.append(Rule(path, f"{rtype}.{name}", sg_id, port(body.get("from_port")),
                                   port(body.get("to_port")), [c for c in cidrs if c]))


def _finding(guardrail: GraphGuardrail, resource: str, file: str, message: str, *, blocking: bool | None = None,
             severity=None) -> Finding:
    return Finding(guardrail_id=guardrail.id, check_id=guardrail.id.replace("-", "_"), resource=resource, file=file,
                   severity=severity or guardrail.severity, message=message, fix_hint=guardrail.fix,
                   blocking=guardrail.blocking if blocking is None else blocking)


def public_entry_with_open_database(change: Change, guardrail: GraphGuardrail) -> list[Finding] | None:
    if not change.entry_points or change.intent is None:
        return None
    intent = change.intent
    clusters = graph.clusters_for(intent.target, intent.cluster.name if intent.cluster else None)
    findings = []
    for cluster in clusters:
        for row in graph.open_databases_near(cluster["uid"]):
            for file, entry in change.entry_points:
                findings.append(_finding(
                    guardrail, entry, file,
                    f"{entry} exposes cluster {cluster['name']} to the internet, and database {row['database']} in "
                    f"its VPC {row['vpc_id']} admits 0.0.0.0/0 on ports {row['from_port']}-{row['to_port']} "
                    f"(security group {row['sg_id']})"))
    return findings


def _internet(cidrs: list[str]) -> bool:
    for cidr in cidrs:
        try:
            if ipaddress.ip_network(cidr, strict=False).prefixlen == 0:
                return True
        except ValueError:
            continue
    return False


def security_group_blast_radius(change: Change, guardrail: GraphGuardrail) -> list[Finding] | None:
    if not change.rules:
        return None
    users = graph.workloads_on_security_groups(sorted({rule.sg_id for rule in change.rules}))
    findings = []
    for rule in change.rules:
        names = [f"{u['namespace']}/{u['name']}" for u in users if u["sg_id"] == rule.sg_id]
        if not names:
            continue
        open_to_all = _internet(rule.cidrs)
        ports = f"{rule.from_port}" if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
        findings.append(_finding(
            guardrail, rule.resource, rule.file,
            f"opens port {ports} from {', '.join(rule.cidrs) or 'a referenced group'} on security group {rule.sg_id}, "
            f"which {len(names)} running workloads use: {', '.join(names)}",
            blocking=guardrail.blocking and open_to_all, severity=None if open_to_all else "MEDIUM"))
    return findings


def delete_with_dependents(change: Change, guardrail: GraphGuardrail) -> list[Finding] | None:
    intent = change.intent
    destroy = intent is not None and str(getattr(intent.action, "value", intent.action)) == "destroy"
    if intent is None or not (change.terraform or destroy):
        return None
    keeps = set() if destroy else (
        {("Cluster", intent.cluster.name)} if intent.cluster else set()) | {("Bucket", b.name) for b in intent.buckets}
    findings = []
    for resource in graph.stack_resources(intent.target):
        kind, name = resource["kind"], resource["name"]
        kept = (kind, name) in keeps or (kind in ("VPC", "Subnet", "SecurityGroup") and change.declares_vpc and not destroy)
        if kept or kind not in ("VPC", "Subnet", "SecurityGroup", "Cluster", "NodeGroup", "Bucket", "Database"):
            continue
        dependents = graph.dependents_outside(resource["uid"], intent.target)
        if dependents:
            names = [f"{d['kind']} {d['name']}" + (f" (stack {', '.join(d['stacks'])})" if d["stacks"] else "")
                     for d in dependents]
            findings.append(_finding(
                guardrail, f"{kind} {name}", "terraform/main.tf",
                f"the change drops {kind} {name} of stack {intent.target}, which {len(names)} resources outside the "
                f"stack depend on: {', '.join(names)}"))
    return findings
