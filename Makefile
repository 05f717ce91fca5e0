# MCP Cloud, natively (no Docker needed). See README.md.
.PHONY: run stop status test bench install migrate

install:            ## Python environments, Postgres/Redis (apt), the Neo4j runner (Maven)
	bash scripts/bootstrap.sh
	bash scripts/infra.sh install

migrate: install
	bash scripts/infra.sh start
	.venv/bin/alembic upgrade head
	.venv/bin/mcpcloud config seed

run: migrate        ## start everything, submit the seed request, print the run
	bash scripts/cluster.sh start   # local Kubernetes + Flux + Argo CD (first build ≈25 min, once per machine)
	set -a; . .data/cluster/cluster.env; set +a; bash scripts/stack.sh start && .venv/bin/mcpcloud demo

stop:               ## stop everything `make run` started
	bash scripts/stack.sh stop
	bash scripts/cluster.sh stop
	bash scripts/infra.sh stop

status:
	bash scripts/infra.sh status; bash scripts/cluster.sh status; bash scripts/stack.sh status

test: install       ## start the stores, run every test (workers are started by the tests)
	bash scripts/infra.sh start
	bash scripts/cluster-build.sh all   # once per machine (≈25 min cold); the tests start their own cluster
	bash scripts/test.sh

bench: migrate      ## every benchmark under bench/ (starts the stack if needed)
	bash scripts/stack.sh start
	.venv/bin/python bench/pipeline.py
	.venv/bin/python bench/terraform.py
	.venv-policy/bin/python bench/guardrails.py
	.venv/bin/python bench/config.py
	.venv/bin/python bench/hostile.py
