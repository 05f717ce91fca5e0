"""Terraform state (v4 JSON, as in a state file) and `terraform show -json` → graph nodes.

Both shapes come down to one list of (address, type, attributes): a state file has
`resources[].instances[]` (count and for_each give each instance an `index_key`), the
show output has `values.root_module` with nested `child_modules`. Resources of the kinds
the graph models become nodes; their references by id (a subnet's `vpc_id`, a
database's `vpc_security_group_ids`, a cluster's `vpc_config`) become edges. Account
and region come from ARNs, or from the import's options when the state has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shared.graph import GraphEdge, GraphNode

_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12}|):")


class StateFormatError(ValueError):
    """The file is not Terraform state or show output; the message says what is wrong."""


@dataclass
class Resource:
    address: str
    type: str
    values: dict[str, Any]


@dataclass
class Place:
    account: str
    region: str
    stack: str = ""
    role: str = "desired"
    source: str = "terraform state"


@dataclass
class Built:
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    _edges: dict[tuple[str, str, str], GraphEdge] = field(default_factory=dict)

    def node(self, kind: str, uid: str, **props: Any) -> str:
        existing = self.nodes.get(uid)
        if existing:
            existing.props.update({k: v for k, v in props.items() if v not in (None, "", [])})
        else:
            self.nodes[uid] = GraphNode(kind, uid, props)
        return uid

    def edge(self, type_: str, src: str, dst: str, **props: Any) -> None:
        """One edge per (type, src, dst): a region's HAS_REGION is met once per resource in it,
        and each repeat would be one more MERGE for Neo4j to find already done."""
        existing = self._edges.get((type_, src, dst))
        if existing:
            existing.props.update(props)
        else:
            self._edges[(type_, src, dst)] = GraphEdge(type_, src, dst, props)

    @property
    def edges(self) -> list[GraphEdge]:
        return list(self._edges.values())


def resources(document: Any) -> tuple[str, list[Resource]]:
    """The format name and the managed resources of a state file or show output."""
    if not isinstance(document, dict):
        raise StateFormatError("expected a JSON object (Terraform state or `terraform show -json` output)")
    if "resources" in document and "version" in document:
        if document.get("version") != 4:
            raise StateFormatError(f"state version {document.get('version')!r}: only version 4 is read")
        found = []
        for resource in document["resources"]:
            if not isinstance(resource, dict) or resource.get("mode") != "managed":
                continue
            prefix = f"{resource['module']}." if resource.get("module") else ""
            for instance in resource.get("instances", []):
                key = instance.get("index_key")
                index = "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
                found.append(Resource(f"{prefix}{resource['type']}.{resource['name']}{index}", resource["type"],
                                      instance.get("attributes") or {}))
        return "terraform-state", found
    if "values" in document or "format_version" in document:
        root = (document.get("values") or {}).get("root_module") or {}
        found = []

        def walk(module: dict) -> None:
            for resource in module.get("resources", []):
                if resource.get("mode") == "managed":
                    found.append(Resource(resource["address"], resource["type"], resource.get("values") or {}))
            for child in module.get("child_modules", []):
                walk(child)

        walk(root)
        return "terraform-show", found
    raise StateFormatError("no `resources` (state v4) or `values.root_module` (terraform show -json) in the file")


def _place(values: dict, place: Place) -> tuple[str, str]:
    match = _ARN.match(str(values.get("arn", "")))
    account = place.account or (match.group(2) if match and match.group(2) else "") or str(values.get("owner_id", ""))
    region = place.region or (match.group(1) if match and match.group(1) else "") or str(values.get("region", ""))
    return account or "unknown", region or "unknown"


def _tags(values: dict) -> dict[str, str]:
    return {**(values.get("tags") or {}), **(values.get("tags_all") or {})}


def build(found: list[Resource], place: Place) -> Built:
    built = Built()
    ids: dict[str, str] = {}  # cloud id -> uid, for references inside this file

    def uid(account: str, region: str, kind: str, ident: str) -> str:
        return f"aws:{account}:{region}:{kind}:{ident}"

    def ref(account: str, region: str, kind: str, ident: str) -> str:
        return ids.get(ident) or uid(account, region, kind, ident)

    def common(values: dict, account: str, region: str, address: str) -> dict[str, Any]:
        tags = _tags(values)
        return {"cloud": "aws", "account": account, "region": region, "address": address,
                "environment": tags.get("environment"), "stack": tags.get("stack"), "observed_by": place.source}

    ordered = sorted(found, key=lambda r: ["aws_vpc", "aws_subnet", "aws_security_group"].index(r.type)
                     if r.type in ("aws_vpc", "aws_subnet", "aws_security_group") else 3)
    for res in ordered:
        v, t = res.values, res.type
        account, region = _place(v, place)
        base = common(v, account, region, res.address)
        name = _tags(v).get("Name")
        if t == "aws_vpc":
            node = ids[v["id"]] = built.node("VPC", uid(account, region, "vpc", v["id"]), vpc_id=v["id"],
                                             name=name or v["id"], cidr=v.get("cidr_block"), **base)
            _region(built, account, region, "HAS_VPC", node)
        elif t == "aws_subnet":
            tags = _tags(v)
            private = not v.get("map_public_ip_on_launch") and (
                "kubernetes.io/role/internal-elb" in tags or "private" in (name or res.address))
            node = ids[v["id"]] = built.node("Subnet", uid(account, region, "subnet", v["id"]), subnet_id=v["id"],
                                             name=name or v["id"], cidr=v.get("cidr_block"),
                                             zone=v.get("availability_zone"), tier="private" if private else "public",
                                             **base)
            built.edge("HAS_SUBNET", ref(account, region, "vpc", v["vpc_id"]), node)
        elif t in ("aws_security_group", "aws_default_security_group"):
            node = ids[v["id"]] = built.node("SecurityGroup", uid(account, region, "sg", v["id"]), sg_id=v["id"],
                                             name=v.get("name") or v["id"], **base)
            if v.get("vpc_id"):
                built.edge("HAS_SECURITY_GROUP", ref(account, region, "vpc", v["vpc_id"]), node)
            for position, rule in enumerate(v.get("ingress") or []):
                _rule(built, node, f"inline-ingress-{position}", "ingress", rule.get("from_port"), rule.get("to_port"),
                      rule.get("protocol"), [*(rule.get("cidr_blocks") or []), *(rule.get("ipv6_cidr_blocks") or [])])
        elif t == "aws_security_group_rule":
            sg = ref(account, region, "sg", v["security_group_id"])
            _rule(built, sg, v.get("id") or res.address, v.get("type", "ingress"), v.get("from_port"), v.get("to_port"),
                  v.get("protocol"), [*(v.get("cidr_blocks") or []), *(v.get("ipv6_cidr_blocks") or [])])
        elif t in ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"):
            sg = ref(account, region, "sg", v["security_group_id"])
            cidrs = [c for c in (v.get("cidr_ipv4"), v.get("cidr_ipv6")) if c]
            _rule(built, sg, v.get("id") or res.address, "ingress" if "ingress" in t else "egress",
                  v.get("from_port"), v.get("to_port"), v.get("ip_protocol"), cidrs)
        elif t in ("aws_db_instance", "aws_rds_cluster"):
            ident = v.get("identifier") or v.get("cluster_identifier") or v.get("id")
            node = built.node("Database", uid(account, region, "db", ident), name=ident, engine=v.get("engine"),
                              publicly_accessible=v.get("publicly_accessible"), **base)
            _region(built, account, region, "HAS_DATABASE", node)
            for sg in v.get("vpc_security_group_ids") or []:
                built.edge("USES_SECURITY_GROUP", node, ref(account, region, "sg", sg))
        elif t == "aws_eks_cluster":
            config = (v.get("vpc_config") or [{}])[0]
            node = ids[v.get("name")] = built.node("Cluster", uid(account, region, "cluster", v["name"]),
                                                   name=v["name"], platform="eks", kubernetes_version=v.get("version"),
                                                   **base)
            _region(built, account, region, "HAS_CLUSTER", node)
            if config.get("vpc_id"):
                built.edge("IN_VPC", node, ref(account, region, "vpc", config["vpc_id"]))
            for subnet in config.get("subnet_ids") or []:
                built.edge("IN_SUBNET", node, ref(account, region, "subnet", subnet))
            for sg in [config.get("cluster_security_group_id"), *(config.get("security_group_ids") or [])]:
                if sg:
                    built.edge("USES_SECURITY_GROUP", node, ref(account, region, "sg", sg))
        elif t == "aws_eks_node_group":
            node = built.node("NodeGroup", uid(account, region, "nodegroup", f"{v['cluster_name']}/{v['node_group_name']}"),
                              name=v["node_group_name"], instance_types=v.get("instance_types"), **base)
            built.edge("PART_OF", node, ref(account, region, "cluster", v["cluster_name"]))
            for subnet in v.get("subnet_ids") or []:
                built.edge("IN_SUBNET", node, ref(account, region, "subnet", subnet))
        elif t == "aws_s3_bucket":
            node = built.node("Bucket", uid(account, region, "bucket", v["bucket"]), name=v["bucket"], **base)
            _region(built, account, region, "HAS_BUCKET", node)
    # References to things this file does not hold stay as edges only when the far end exists.
    return built


def _region(built: Built, account: str, region: str, rel: str, node: str) -> None:
    account_uid = built.node("CloudAccount", f"aws:{account}", name=account, cloud="aws", account=account)
    region_uid = built.node("Region", f"aws:{account}:{region}", name=region, cloud="aws", account=account,
                            region=region)
    built.edge("HAS_REGION", account_uid, region_uid)
    built.edge(rel, region_uid, node)


def _rule(built: Built, sg: str, ident: str, direction: str, from_port: Any, to_port: Any, protocol: Any,
          cidrs: list[str]) -> None:
    node = built.node("SecurityGroupRule", f"{sg}:rule:{ident}", name=f"{direction} {from_port}-{to_port}",
                      direction=direction, from_port=from_port, to_port=to_port, protocol=str(protocol), cidrs=cidrs)
    built.edge("HAS_RULE", sg, node)
