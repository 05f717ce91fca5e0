"""Finding lexicon words in a request: alias tables compiled once, one-edit typo repair.

Why compiled alternations: a request is matched against a few hundred aliases in a
handful of regex scans, which keeps a parse well under a millisecond. Why typo repair
before matching: "ngnix" or "kuberentes" should read as the word meant, but only for
long words (five letters or more) and only at one edit, so short names never collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# A word of letters that is not part of an image reference, path or version ("nginz:1.2" stays).
_LATIN_TOKEN = re.compile(r"(?<![a-z0-9/._:-])[a-z]+(?![a-z0-9/_:]|[.-][a-z0-9])")


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


class AliasTable:
    """value -> aliases; `find` returns (value, alias, position) for each alias found, first position first.

    Latin aliases match on word boundaries (letters and digits), Hangul aliases anywhere.
    Longer aliases win over the shorter ones they contain ("argo cd" over "argo").
    """

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self._value_of: dict[str, str] = {}
        for value, aliases in table.items():
            for alias in aliases:
                self._value_of.setdefault(alias.lower(), value)
        ordered = sorted(self._value_of, key=len, reverse=True)
        latin = [re.escape(a) for a in ordered if not has_hangul(a)]
        hangul = [re.escape(a) for a in ordered if has_hangul(a)]
        parts = []
        if latin:
            parts.append(r"(?<![a-z0-9])(?:" + "|".join(latin) + r")(?![a-z0-9])")
        if hangul:
            parts.append("(?:" + "|".join(hangul) + ")")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def find(self, text: str) -> list[tuple[str, str, int]]:
        if self._pattern is None:
            return []
        return [(self._value_of[m.group(0)], m.group(0), m.start()) for m in self._pattern.finditer(text)]

    def values(self, text: str) -> list[str]:
        """Distinct values in order of first appearance."""
        seen: list[str] = []
        for value, _, _ in self.find(text):
            if value not in seen:
                seen.append(value)
        return seen

    def first(self, text: str) -> str | None:
        found = self.find(text)
        return found[0][0] if found else None


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One pattern for a list of phrases (boundaries as in AliasTable)."""
    return AliasTable({"x": list(phrases)})._pattern or re.compile(r"(?!x)x")


def _osa_distance(a: str, b: str, limit: int = 1) -> int:
    """Optimal string alignment distance (edits incl. one transposition), stopped past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class TypoFixer:
    """Replace a Latin token one edit away from a known long word by that word.

    Candidates come from a precomputed delete index (symmetric delete), then the real
    edit distance is checked, so a lookup costs a few dictionary probes.
    """

    def __init__(self, words: Iterable[str], keep: Iterable[str] = ()) -> None:
        self._words = {w for w in words if len(w) >= 5}
        self._keep = set(keep) | self._words
        self._index: dict[str, set[str]] = {}
        for word in self._words:
            for key in (word, *_deletes(word)):
                self._index.setdefault(key, set()).add(word)

    def correct(self, token: str) -> str | None:
        if len(token) < 4 or token in self._keep:
            return None
        candidates: set[str] = set()
        for key in (token, *_deletes(token)):
            candidates |= self._index.get(key, set())
        best = sorted(w for w in candidates if _osa_distance(token, w) == 1)
        return best[0] if len(best) == 1 else None

    def fix(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with typos repaired, and the (typo, word) pairs repaired."""
        fixes: list[tuple[str, str]] = []

        def repl(match: re.Match[str]) -> str:
            token = match.group(0)
            word = self.correct(token)
            if word is None:
                return token
            fixes.append((token, word))
            return word

        return _LATIN_TOKEN.sub(repl, text), fixes
