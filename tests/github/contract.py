"""Client side of the contract server: start it as a process, drive it, check its answers.

`check_responses` validates every answer the server gave against the OpenAPI subset in
fixtures/openapi-subset.json (jsonschema, draft 2020-12): an answer whose status the
subset does not document for its operation fails too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import REPO, free_port

SUBSET = json.loads((Path(__file__).parent / "fixtures" / "openapi-subset.json").read_text())
_URN = "urn:github-openapi-subset"
_REGISTRY = Registry().with_resource(_URN, Resource.from_contents(SUBSET, default_specification=DRAFT202012))
TOKEN = "contract-token"
REPOSITORY = "mcp-cloud/deployments"


def _absolute(schema: dict) -> dict:
    text = json.dumps(schema).replace('"#/components/', f'"{_URN}#/components/')
    return json.loads(text)


def validator_for(op: str, status: int) -> Draft202012Validator:
    responses = SUBSET["operations"][op]["responses"]
    if str(status) not in responses:
        raise AssertionError(f"{op} answered {status}, which the OpenAPI subset does not document ({sorted(responses)})")
    return Draft202012Validator(_absolute(responses[str(status)]), registry=_REGISTRY)


@dataclass
class ContractServer:
    port: int
    process: subprocess.Popen
    api_prefix: str = ""

    @property
    def url(self) -> str:
        """The API base URL (MCP_GITHUB_API_URL); ends in /api/v3 for the Enterprise layout."""
        return f"http://127.0.0.1:{self.port}{self.api_prefix}"

    def control(self, method: str, path: str, body=None):
        response = httpx.request(method, f"{self.url}/_control/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def seed(self, files: dict[str, str]) -> str:
        return self.control("POST", "seed", {"files": files})["main"]

    def requests(self, since: int = 0) -> list[dict]:
        return self.control("GET", f"requests?since={since}")

    def state(self) -> dict:
        return self.control("GET", "state")

    def files(self, ref: str) -> dict[str, str]:
        return self.control("GET", f"files/{ref}")

    def check_responses(self, since: int = 0) -> int:
        """Validate every recorded answer; returns how many were checked."""
        answers = self.requests(since)
        for answer in answers:
            validator = validator_for(answer["op"], answer["status"])
            errors = sorted(validator.iter_errors(answer["body"]), key=lambda e: list(e.path))
            assert not errors, f"{answer['method']} {answer['path']} → {answer['status']}: {errors[0].message} at {list(errors[0].path)}"
        return len(answers)


def start_contract_server(api_prefix: str = "") -> ContractServer:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.github.contract_server", str(port), api_prefix], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}{api_prefix}/_control/state", timeout=2).raise_for_status()
            return ContractServer(port, process, api_prefix)
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"contract server did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)


def stop(server: ContractServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
