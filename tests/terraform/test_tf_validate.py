"""Static validation reports what would break `terraform plan`, as file:line: message."""

from __future__ import annotations

import pytest

from shared.examples import SCENARIOS
from services.terraform.generator import generate
from services.terraform.validate import ValidationIssue, validate_files


@pytest.fixture(scope="module")
def eks_files():
    bundle = generate(SCENARIOS["eks-nginx-argocd"])
    return {f.path: f.content for f in bundle.files if f.path.endswith(".tf")}


def _issues(files):
    return [str(issue) for issue in validate_files(files)]


def test_an_undeclared_variable_is_reported_where_it_is_used(eks_files):
    files = dict(eks_files)
    files["terraform/main.tf"] = files["terraform/main.tf"].replace("region = var.region", "region = var.aws_region")
    assert _issues(files) == ["terraform/main.tf:2: reference to undeclared variable var.aws_region"]


def test_a_missing_required_module_input_is_reported_at_the_module_block(eks_files):
    files = dict(eks_files)
    main = files["terraform/main.tf"]
    files["terraform/main.tf"] = main.replace('  cluster_name        = "mcp-eks"\n', "")
    line = main.splitlines().index('module "eks" {') + 1
    assert _issues(files) == [f"terraform/main.tf:{line}: module 'eks' is missing required input(s): cluster_name"]


def test_an_argument_the_module_does_not_declare_is_reported(eks_files):
    files = dict(eks_files)
    files["terraform/main.tf"] = files["terraform/main.tf"].replace("  node_max_size", "  node_count = 3\n  node_max_size")
    line = files["terraform/main.tf"].splitlines().index("  node_count = 3") + 1
    assert _issues(files) == [f"terraform/main.tf:{line}: module 'eks' has no input 'node_count' (module terraform/modules/aws-eks)"]


def test_an_unknown_region_is_reported_with_where_it_came_from(eks_files):
    files = dict(eks_files)
    files["terraform/variables.tf"] = files["terraform/variables.tf"].replace('"ap-northeast-2"', '"ap-northeast-9"')
    (issue,) = validate_files(files)
    assert (issue.file, issue.line) == ("terraform/main.tf", 2)
    assert issue.message.startswith("region 'ap-northeast-9' (default of var.region, terraform/variables.tf:1) is not a known aws region")


def test_a_literal_region_is_checked_too():
    files = {"main.tf": 'provider "google" {\n  project = "p"\n  region  = "asia-northeast9"\n}\n'}
    assert _issues(files)[0].startswith("main.tf:3: region 'asia-northeast9' is not a known gcp region")


def test_syntax_errors_carry_the_line_the_parser_stopped_at():
    files = {"main.tf": 'variable "x" {\n  type = string\n  default = \n}\n'}
    assert _issues(files) == ["main.tf:3: HCL syntax error at column 13: unexpected '}'"]
    files = {"main.tf": 'locals {\n  a = "open\n}\n'}
    assert _issues(files)[0].startswith("main.tf:2: HCL syntax error")


def test_module_outputs_locals_and_modules_must_exist(eks_files):
    files = dict(eks_files)
    files["terraform/outputs.tf"] += (
        '\noutput "extra" {\n'
        "  value = [module.eks.cluster_version, module.rds.address, local.owner]\n"
        "}\n"
    )
    line = files["terraform/outputs.tf"].count("\n") - 1
    assert _issues(files) == [
        f"terraform/outputs.tf:{line}: module 'eks' has no output 'cluster_version'",
        f"terraform/outputs.tf:{line}: reference to undeclared local value local.owner",
        f"terraform/outputs.tf:{line}: reference to undeclared module module.rds",
    ]


def test_comments_and_escaped_interpolations_are_not_references():
    files = {
        "main.tf": (
            "# var.in_a_comment\n"
            "/* module.nothing.here */\n"
            'locals {\n  note = "$${var.escaped} // not a comment ${upper("x")}"\n  other = local.note\n}\n'
        )
    }
    assert _issues(files) == []


def test_duplicate_declarations_are_reported_twice_over():
    files = {"variables.tf": 'variable "a" {}\n', "more.tf": 'variable "a" {\n  default = 1\n}\n'}
    assert _issues(files) == ["variables.tf:1: variable 'a' is declared twice (first at more.tf:1)"]


def test_a_module_source_missing_from_the_bundle_is_reported():
    files = {"main.tf": 'module "db" {\n  source = "./modules/aws-rds-postgres"\n}\n'}
    assert _issues(files) == ["main.tf:1: module 'db': source ./modules/aws-rds-postgres has no .tf files"]


def test_issue_prints_as_file_line_message():
    assert str(ValidationIssue(file="terraform/main.tf", line=7, message="boom")) == "terraform/main.tf:7: boom"
