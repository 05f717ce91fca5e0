"""Property tests of the policy service's input layer: whatever arrives, only `InvalidInput` leaves.

The layer is everything an upload passes before checkov reads it: `inputs.admit` (paths,
text, kinds, Helm charts), `inputs.check_limits` (sizes) and `structure_limits.check_structure`
(YAML aliases and nesting, HCL/JSON nesting, parseable YAML). For arbitrary bytes, text,
YAML-shaped and HCL-shaped token soup, and generated alias bombs and deep nests, each call
either returns or raises `InvalidInput` whose message names the file: never another
exception (a 500 at the gateway, a crashed task in the worker). A few examples also go
through the real engine (checkov), where the answer must be a verdict or `InvalidInput`.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.policy.inputs import InvalidInput, admit, check_limits, hcl_error, neutralise_suppressions
from services.policy.structure_limits import MAX_NESTING, MAX_YAML_EXPANDED_NODES, check_structure

pytestmark = pytest.mark.policy_env

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

PATHS = st.one_of(
    st.sampled_from(["main.tf", "vars.tfvars", "main.tf.json", "k8s/pod.yaml", "app.yml", ".github/workflows/ci.yml",
                     "Dockerfile", "chart/Chart.yaml", "chart/templates/x.yaml", "notes.txt", "../x.tf", "/abs.tf",
                     "a//b.tf", "C:/x.tf", "dir\\x.tf", "", ".", "a\x00.tf", "a\ud800.yaml"]),
    st.text(max_size=40).map(lambda name: name + ".yaml"),
    st.text(max_size=40),
)
YAML_TOKENS = ["- ", ": ", "&a ", "&b ", "*a", "*b", "[", "]", "{", "}", ",", "\n", "  ", "    ", "key", "x", "1",
               "'", '"', "#", "---\n", "...\n", "|\n", ">\n", "!!str ", "!!python/object:os.system ", "%YAML 1.1\n",
               "? ", "\t", "\\", "<<: *a\n", "apiVersion: v1\n", "kind: Pod\n", "metadata:\n  name: p\n", "jobs:\n",
               "\x00", "\ud800", "\x85", "\ufeff", "é", "😀"]
HCL_TOKENS = ['resource "aws_s3_bucket" "b" ', "{", "}", "[", "]", "(", ")", '"', "\\", "${", "=", "\n", "#",
              "//", "/*", "*/", "<<EOT\n", "<<-EOT\n", "EOT\n", "x", "1", ",", "variable", "\x00", "\ud800"]


def yaml_soup():
    return st.lists(st.sampled_from(YAML_TOKENS), max_size=120).map("".join)


def hcl_soup():
    return st.lists(st.sampled_from(HCL_TOKENS), max_size=150).map("".join)


CONTENTS = st.one_of(st.text(max_size=400), st.binary(max_size=400), yaml_soup(), hcl_soup(), st.none(), st.integers())


def input_layer(files) -> None:
    """What the engine does to an upload before checkov (services/policy/engine.py scan_files/scan/_run)."""
    generated, _ = admit(files)
    check_limits(generated)
    for file in generated:
        check_structure(file)


def _holds(files) -> None:
    try:
        input_layer(files)
    except InvalidInput as exc:
        assert exc.message and str(exc) == exc.message


@PROPERTY
@given(files=st.dictionaries(PATHS, CONTENTS, max_size=4))
def test_arbitrary_uploads_raise_only_invalid_input(files):
    _holds(files)


@PROPERTY
@given(content=st.one_of(yaml_soup(), st.text(max_size=600)), name=st.sampled_from(["k.yaml", ".github/workflows/w.yml"]))
def test_yaml_shaped_text_raises_only_invalid_input(content, name):
    _holds({name: content})


@PROPERTY
@given(content=st.one_of(hcl_soup(), st.text(max_size=600)), name=st.sampled_from(["main.tf", "main.tf.json", "v.tfvars"]))
def test_hcl_shaped_text_raises_only_invalid_input(content, name):
    _holds({name: content})
    message = hcl_error(name, content)  # the explanation of a parse failure never raises either
    assert message.startswith(name)


@PROPERTY
@given(content=st.text(max_size=400))
def test_neutralising_suppressions_keeps_every_line(content):
    assert neutralise_suppressions(content).count("\n") == content.count("\n")


def alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join("  " + line for line in lines)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(levels=st.integers(1, 12), width=st.integers(1, 12))
def test_alias_bombs_are_refused_by_size_before_anything_builds_them(levels, width):
    expanded = 9 * width ** levels  # the x nodes alone, once every alias is resolved
    started = time.perf_counter()
    try:
        input_layer({"bomb.yaml": alias_bomb(levels, width)})
        refused = None
    except InvalidInput as exc:
        refused = exc.message
    assert time.perf_counter() - started < 5  # counted from events, never expanded
    if expanded > MAX_YAML_EXPANDED_NODES:
        assert refused is not None and refused.startswith("bomb.yaml:"), (levels, width)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(depth=st.integers(1, 3 * MAX_NESTING), flow=st.booleans(),
       name=st.sampled_from(["deep.yaml", "deep.tf", "deep.tf.json"]))
def test_nesting_is_refused_past_the_limit_and_only_there(depth, flow, name):
    if name.endswith(".yaml") and flow:
        content = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  nest: " + "[" * depth + "]" * depth + "\n"
    elif name.endswith(".yaml"):
        content = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nspec:\n" + "".join(
            f"{'  ' * (level + 1)}k{level}:\n" for level in range(depth)) + "  " * (depth + 1) + "v\n"
    elif name.endswith(".json"):
        content = '{"a": ' + "[" * depth + "]" * depth + "}"
    else:
        content = "locals {\n  x = " + "[" * depth + "]" * depth + "\n}\n"
    try:
        input_layer({name: content})
        refused = None
    except InvalidInput as exc:
        refused = exc.message
    if depth + 3 <= MAX_NESTING:  # a few levels of wrapping (document, data/spec, locals) sit around the nest
        assert refused is None or "nested" not in refused, refused
    if depth > MAX_NESTING:
        assert refused is not None and "nested more than" in refused, (name, depth, flow)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(files=st.dictionaries(st.sampled_from(["main.tf", "k8s/pod.yaml", "x.tf.json", ".github/workflows/ci.yml"]),
                             st.one_of(yaml_soup(), hcl_soup(), st.text(max_size=200)), min_size=1, max_size=2))
def test_the_real_engine_answers_a_verdict_or_invalid_input(engine, files):
    try:
        verdict = engine.scan_files(files, "devops")
    except InvalidInput as exc:
        assert exc.message
        return
    assert verdict.status in ("passed", "blocked", "error", "incomplete")
    if verdict.status == "passed":
        assert not verdict.errors
