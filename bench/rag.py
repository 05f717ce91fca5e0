"""Knowledge retrieval benchmark on the real stack: LlamaIndex, Neo4j's vector index, BM25,
the packaged all-MiniLM-L6-v2 (NumPy), reciprocal rank fusion.

Corpus: the repository's real knowledge documents (catalog, guardrail pack, runbooks)
plus generated runbooks on the same vocabulary up to `--docs` (1,000), so the labelled
answers compete with many near misses. Everything is ingested into a bench-only label
namespace (dropped at the end): ingestion is timed from empty (every document embedded:
the honest case). Then every labelled question (tests/rag/fixtures/questions.yaml,
Korean and English) is searched once: latency p50/p95 and top-1/top-3 accuracy. No
query is repeated, so no cache is measured. Beside the wall time, each search's CPU time
in this process (the load of other work on the machine stretches wall time, not CPU time)
and, after it, the query embedding alone (the model's forward pass, the largest part).

Usage: .venv/bin/python bench/rag.py [--docs 1000] [--out bench/results/rag.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the rag worker runs
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from services.rag.knowledge.index import KnowledgeIndex  # noqa: E402
from services.rag.knowledge.lexicon import normalise  # noqa: E402
from services.rag.knowledge.sources import KnowledgeDocument, load_documents  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "rag" / "fixtures" / "questions.yaml"
SERVICES = ["checkout", "payments", "search", "catalog", "auth", "billing", "inventory", "reporting", "gateway", "mailer"]
TOPICS = [
    ("scale the {s} deployment", "Raise replicas in the Deployment and check the HorizontalPodAutoscaler limits."),
    ("rotate {s} database credentials", "Rotate the secret in the secrets manager and restart the pods that read it."),
    ("restore the {s} bucket from a version", "List object versions and copy the previous version over the current one."),
    ("move {s} to another node group", "Cordon the old nodes, drain them and let the scheduler place the pods."),
    ("debug {s} latency", "Read the p95 from the dashboard, then the traces of the slowest endpoint."),
    ("upgrade the {s} cluster add-ons", "Upgrade CoreDNS, kube-proxy and the VPC CNI one minor version at a time."),
    ("open a port for {s}", "Add the port to the Service and to the NetworkPolicy that selects the pods."),
    ("back up {s} volumes", "Snapshot the EBS volumes with the backup plan and test a restore monthly."),
    ("tag {s} images for release", "Build once, push with the git commit as tag, promote by digest."),
    ("clean up {s} logs", "Shorten the log group retention and expire old objects in the log bucket."),
]


def synthetic(count: int) -> list[KnowledgeDocument]:
    rng = random.Random(1000)
    documents = []
    for i in range(count):
        service = SERVICES[i % len(SERVICES)]
        title, body = TOPICS[(i // len(SERVICES)) % len(TOPICS)]
        region = rng.choice(["ap-northeast-2", "us-east-1", "eu-west-1", "eastus", "asia-northeast3"])
        text = (f"# Runbook {i}: {title.format(s=service)}\n\n{body} The {service} team runs it in {region} "
                f"({rng.choice(['dev', 'staging', 'prod'])}); ticket OPS-{1000 + i}.")
        key = f"bench-{i}"
        documents.append(KnowledgeDocument(doc_id=f"runbook:bench/{key}.md", key=key, kind="runbook",
                                           title=f"Runbook {i}", source=f"bench/{key}.md", text=text,
                                           metadata={"kind": "runbook", "key": key, "title": f"Runbook {i}",
                                                     "source": f"bench/{key}.md", "language": "en"}))
    return documents


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--out", default="bench/results/rag.json")
    args = parser.parse_args()
    real = load_documents()
    corpus = real + synthetic(max(0, args.docs - len(real)))
    index = KnowledgeIndex(f"KnowBench{secrets.token_hex(3)}")
    try:
        report = index.ingest(corpus)
        questions = yaml.safe_load(QUESTIONS.read_text())
        index.search("warm-up: build the BM25 index from the stored chunks")
        timings, cpu, embedding, top1, top3, misses = [], [], [], 0, 0, []
        for item in questions:
            started, started_cpu = time.perf_counter(), time.process_time()
            keys = [p.key for p in index.search(item["q"], 5)]
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            started = time.perf_counter()
            index.embedding.get_query_embedding(normalise(item["q"]))
            embedding.append((time.perf_counter() - started) * 1000)
            top1 += keys[:1] == [item["key"]]
            top3 += item["key"] in keys[:3]
            if keys[:1] != [item["key"]]:
                misses.append({"q": item["q"], "expected": item["key"], "got": keys[:3]})
    finally:
        index.drop()
    result = {
        "documents": len(corpus), "real_documents": len(real), "chunks": report.chunks, "model": report.model,
        "ingest_seconds": report.seconds, "ingest_seconds_per_1000_docs": round(report.seconds * 1000 / len(corpus), 1),
        "questions": len(questions),
        "search_ms": {"p50": round(statistics.median(timings), 1), "p95": round(percentile(timings, 0.95), 1),
                      "max": round(max(timings), 1)},
        "search_cpu_ms_p50": round(statistics.median(cpu), 1),
        "query_embedding_ms_p50": round(statistics.median(embedding), 1),
        "top1": round(top1 / len(questions), 4), "top3": round(top3 / len(questions), 4), "misses": misses,
        "load_average_1m": os.getloadavg()[0], "cpus": os.cpu_count(),
        "targets": {"search_p50_ms": 50, "top1": 0.95},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
