"""The module catalog: every module is valid HCL, self-consistent, and described truthfully."""

from __future__ import annotations

import re

import hcl2
import pytest

from shared.catalog import CATALOG_DIR, GUARDRAIL_IDS, CatalogError, descriptions, get_module, load_catalog
from services.terraform.generator import PROVIDER_PINS
from services.terraform.validate import validate_directory

MODULES = sorted(load_catalog())


def test_the_catalog_has_the_modules_the_platform_offers():
    assert MODULES == [
        "aws-ecr", "aws-eks", "aws-iam-role", "aws-rds-postgres", "aws-s3-bucket", "aws-vpc",
        "azure-aks", "azure-storage-account", "gcp-gcs-bucket", "gcp-gke",
    ]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_parses_and_its_references_resolve(name):
    for file_name, content in get_module(name).files.items():
        assert hcl2.loads(content), f"{name}/{file_name} is empty"
    assert [str(i) for i in validate_directory(CATALOG_DIR / name)] == []


@pytest.mark.parametrize("name", MODULES)
def test_module_yaml_describes_the_hcl_it_sits_next_to(name):
    module = get_module(name)
    variables = {_label(k): v for entry in hcl2.loads(module.files["variables.tf"])["variable"] for k, v in entry.items()}
    outputs = [_label(k) for entry in hcl2.loads(module.files["outputs.tf"])["output"] for k in entry]

    assert [i.name for i in module.inputs] == list(variables)
    for item in module.inputs:
        body = variables[item.name]
        assert _squash(body["type"]) == _squash(item.type), item.name
        assert item.required == ("default" not in body), item.name
        if not item.required:
            assert _value(body["default"]) == item.default, item.name
        assert bool(item.validation) == ("validation" in body), item.name
    assert [o.name for o in module.outputs] == outputs

    terraform = hcl2.loads(module.files["main.tf"])["terraform"][0]
    required = [p for p in terraform["required_providers"][0] if not p.startswith("__")]
    assert sorted(required) == sorted(module.providers)
    assert set(module.guardrails) <= GUARDRAIL_IDS and module.guardrails


@pytest.mark.parametrize("name", MODULES)
def test_the_pinned_root_providers_satisfy_every_module_constraint(name):
    terraform = hcl2.loads(get_module(name).files["main.tf"])["terraform"][0]
    for provider, spec in terraform["required_providers"][0].items():
        if provider.startswith("__"):
            continue
        constraint = _value(spec["version"])
        pinned = PROVIDER_PINS[provider][1]
        assert _satisfies(pinned, constraint), f"{provider} {pinned} does not satisfy {name}'s {constraint}"


def test_describe_gives_retrieval_a_complete_card():
    card = get_module("aws-s3-bucket").describe()
    assert card.startswith("Module aws-s3-bucket (aws; providers: aws)")
    assert "GR-S3-PUBLIC" in card and "public_read (bool, default false)" in card
    assert "bucket_name (string, required)" in card and "bucket_arn" in card
    assert "CKV_AWS_144" in card
    assert set(descriptions()) == set(MODULES)


def test_asking_for_a_module_outside_the_catalog_fails_clearly():
    with pytest.raises(CatalogError, match="no catalog module 'aws-lambda'"):
        get_module("aws-lambda")


def test_s3_public_access_block_follows_public_read_only():
    """The one switch that makes a bucket public is the public_read input; the
    conditionals are written so static scanners can evaluate them."""
    main = hcl2.loads(get_module("aws-s3-bucket").files["main.tf"])
    block = next(r['"aws_s3_bucket_public_access_block"']['"this"'] for r in main["resource"]
                 if '"aws_s3_bucket_public_access_block"' in r)
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[setting] == "${var.public_read ? false : true}"


def test_eks_module_defaults_to_a_private_encrypted_logged_cluster():
    module = get_module("aws-eks")
    assert module.input("endpoint_public_access").default is False
    assert module.input("cluster_log_types").default == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    main = module.files["main.tf"]
    assert 'resources = ["secrets"]' in main
    assert "aws_iam_openid_connect_provider" in main and "aws_eks_node_group" in main
    assert 'http_tokens                 = "required"' in main


def _label(quoted: str) -> str:
    return quoted.strip('"')


def _squash(type_expression: str) -> str:
    text = type_expression[2:-1] if type_expression.startswith("${") else type_expression
    return re.sub(r"\s+", "", text)


def _value(value):
    if isinstance(value, str) and value.startswith('"'):
        return value[1:-1]
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items() if not k.startswith("__")}
    return value


def _satisfies(version: str, constraint: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        numbers = [int(x) for x in text.split(".")]
        return tuple(numbers + [0] * (3 - len(numbers)))

    for clause in constraint.split(","):
        operator, bound = re.fullmatch(r"\s*(>=|<)\s*([\d.]+)\s*", clause).groups()
        if operator == ">=" and not parts(version) >= parts(bound):
            return False
        if operator == "<" and not parts(version) < parts(bound):
            return False
    return True
