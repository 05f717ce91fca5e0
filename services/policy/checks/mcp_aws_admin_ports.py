"""MCP_AWS_1: no database or control-plane ports open to the internet.

Why our own check: checkov has CKV_AWS_24 (22), CKV_AWS_25 (3389) and CKV_AWS_277
(all ports) but nothing for the ports that are just as dangerous when reachable from
0.0.0.0/0: databases, caches, search engines, the Docker daemon, the Kubernetes API
and the kubelet. Protocol -1 (all traffic) is left to CKV_AWS_277, and 22/3389 to
checkov, so one mistake gives one finding.

Covers aws_security_group (inline ingress blocks), aws_security_group_rule
(type = ingress) and aws_vpc_security_group_ingress_rule.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

#: port -> what listens there.
ADMIN_PORTS = {
    1433: "SQL Server", 1521: "Oracle", 2375: "Docker daemon (plain)", 2376: "Docker daemon (TLS)",
    2379: "etcd", 2380: "etcd peer", 3306: "MySQL", 5432: "PostgreSQL", 5601: "Kibana",
    5984: "CouchDB", 6379: "Redis", 6443: "Kubernetes API", 7001: "Cassandra", 8086: "InfluxDB",
    9042: "Cassandra CQL", 9092: "Kafka", 9200: "Elasticsearch", 9300: "Elasticsearch transport",
    10250: "kubelet", 11211: "Memcached", 27017: "MongoDB",
}
WORLD = {"0.0.0.0/0", "::/0"}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _as_list(value: Any) -> list[Any]:
    value = _first(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _port(value: Any) -> int | None:
    try:
        return int(_first(value))
    except (TypeError, ValueError):
        return None


def _open_admin_port(rule: dict[str, Any]) -> int | None:
    """The first admin port the rule opens to the world, else None."""
    sources = _as_list(rule.get("cidr_blocks")) + _as_list(rule.get("ipv6_cidr_blocks"))
    sources += _as_list(rule.get("cidr_ipv4")) + _as_list(rule.get("cidr_ipv6"))
    if not WORLD.intersection(str(s) for s in sources):
        return None
    if str(_first(rule.get("protocol", rule.get("ip_protocol")))) == "-1":
        return None  # all traffic: CKV_AWS_277
    low, high = _port(rule.get("from_port")), _port(rule.get("to_port"))
    if low is None or high is None:
        return None
    return next((port for port in sorted(ADMIN_PORTS) if low <= port <= high), None)


class AdminPortsOpenToWorld(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Security groups must not open database or control-plane ports to 0.0.0.0/0 or ::/0",
            id="MCP_AWS_1",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        if self.entity_type == "aws_security_group":
            blocks = conf.get("ingress") or []
            rules = [r for block in blocks for r in (block if isinstance(block, list) else [block]) if isinstance(r, dict)]
            key = "ingress"
        elif self.entity_type == "aws_security_group_rule":
            if _first(conf.get("type")) != "ingress":
                return CheckResult.PASSED
            rules, key = [conf], "from_port"
        else:
            rules, key = [conf], "from_port"
        for rule in rules:
            port = _open_admin_port(rule)
            if port is not None:
                self.evaluated_keys = [key]
                self.details.append(f"port {port} ({ADMIN_PORTS[port]}) is open to the internet")
                return CheckResult.FAILED
        return CheckResult.PASSED


check = AdminPortsOpenToWorld()
