"""`python -m tests.github.contract_server PORT`: the contract server as its own process."""

import sys

import uvicorn

from tests.github.contract_server.app import create_app

port = int(sys.argv[1])
uvicorn.run(create_app(f"http://127.0.0.1:{port}"), host="127.0.0.1", port=port, log_level="warning")
