"""Odd input never breaks the parser: it answers with questions, not exceptions."""

from __future__ import annotations

import random

import pytest

from services.gateway.intents import parse_request

ODD = ["", "   ", "?", "😀🚀", "a" * 4000, "배포" * 500, "'; DROP TABLE runs; --", "<script>alert(1)</script>",
       "nginx:" * 50, "deploy " * 300, "\x00\x01\x02", "ＥＫＳ에 ｎｇｉｎｘ 배포",  # full-width letters
       "Deploy nginx:1.27.3 nginx:1.26.0 redis:7.4.1", "replicas 999 nginx", "port 99999 nginx 배포"]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_text_is_answered(text):
    parsed = parse_request(text)
    assert parsed.intent is not None or parsed.missing or parsed.kind == "query"


def test_random_text_is_answered():
    rng = random.Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 .:-_/=가나다배포서울버킷클러스터네임스페이스"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
        parsed = parse_request(text)
        assert parsed.intent is not None or parsed.missing or parsed.kind == "query", text


def test_full_width_letters_read_as_ascii():
    parsed = parse_request("ＥＫＳ에 ｎｇｉｎｘ 배포")
    assert parsed.intent.platform == "eks" and parsed.intent.app.name == "nginx"
