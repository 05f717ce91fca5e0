"""`python -m tests.github.contract_server PORT [API_PREFIX]`: the contract server as its own process
(API_PREFIX "/api/v3" lays it out as GitHub Enterprise Server)."""

import sys

import uvicorn

from tests.github.contract_server.app import create_app

port = int(sys.argv[1])
prefix = sys.argv[2] if len(sys.argv) > 2 else ""
uvicorn.run(create_app(f"http://127.0.0.1:{port}", prefix), host="127.0.0.1", port=port, log_level="warning")
