"""User text must reach the HCL as literal strings, never as live interpolation."""

from __future__ import annotations

import re

import hcl2
import pytest
from hcl2.utils import process_escape_sequences

from services.terraform import hcl
from services.terraform.generator import generate
from services.terraform.validate import validate_bundle
from shared.contracts.intent import BucketSpec, DeploymentIntent

HOSTILE = [
    'x${file("/etc/passwd")}',
    "${var.region}",
    "%{ for f in fileset(\"/\", \"**\") }${f}%{ endfor }",
    "$${already escaped} and $$${double}",
    'quote " backslash \\ newline \n tab \t cr \r bell \x07',
    "trailing dollar $ and percent % and brace {",
    "로그 보관용 버킷 🪣",
]


def _decode(literal: str) -> str:
    """What Terraform would make of a quoted HCL string with no interpolation."""
    assert literal.startswith('"') and literal.endswith('"')
    body = literal[1:-1]
    assert _live_template(body) is None, f"live template sequence in {body!r}"
    return process_escape_sequences(body).replace("$${", "${").replace("%%{", "%{")


def _live_template(body: str):
    """A `${` or `%{` that HCL would read as a template sequence. HCL's scanner takes a
    `$` directly before `${` as the escape `$${` (likewise `%%{`), so a sequence is
    live only when no `$` (or `%`) precedes it."""
    return re.search(r"(?<!\$)\$\{|(?<!%)%\{", body)


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_turns_any_text_into_a_literal_that_round_trips(text):
    literal = hcl.quote(text)
    assert _decode(literal) == text
    document = {"value": literal}
    written = hcl.render(document)
    assert hcl2.loads(written)["value"] == literal


def test_a_python_string_is_never_an_expression_only_expr_is():
    assert hcl.to_hcl("${var.region}") == '"$${var.region}"'
    assert hcl.to_hcl(hcl.Expr("var.region")) == "${var.region}"
    assert hcl.to_hcl({"kubernetes.io/role/elb": "1", "Name": "x"}) == {'"kubernetes.io/role/elb"': '"1"', "Name": '"x"'}


def test_free_text_purpose_stays_literal_in_the_generated_root_module():
    purpose = 'x${file("/etc/passwd")} and ${var.undeclared} %{ if true }y%{ endif }'
    intent = DeploymentIntent(
        cloud="aws", region="ap-northeast-2", stack="escape-test",
        buckets=[BucketSpec(name="escape-test-bucket", purpose=purpose)],
    )
    bundle = generate(intent)
    main_tf = next(f.content for f in bundle.files if f.path == "terraform/main.tf")

    assert 'purpose            = "x$${file(\\"/etc/passwd\\")} and $${var.undeclared} %%{ if true }y%%{ endif }"' in main_tf
    (call,) = hcl2.loads(main_tf)["module"]
    literal = call['"bucket_escape-test-bucket"']["purpose"]
    assert _decode(literal) == purpose
    # Were the reference live, the validator would report var.undeclared.
    assert validate_bundle(bundle) == []


def test_a_document_that_does_not_survive_the_round_trip_is_refused():
    # python-hcl2 normalises whitespace inside expressions, so this reads back differently.
    with pytest.raises(hcl.HclRoundTripError, match="/value"):
        hcl.render({"value": "${ var.x }"})
