"""Phrases that try to steer the server instead of describing a change.

Why they are only listed: guardrails, approvals and roles are enforced server-side
whatever a request says, so such a phrase has no effect at all; the parser names it in
`ignored` so the person reading the answer sees it was not obeyed. The phrase is also
cut out of the text before the fields are read, so "approve it yourself" cannot be
mistaken for anything else.
"""

from __future__ import annotations

import re

_PATTERNS = [
    # English
    r"\b(?:ignore|bypass|skip|disable|turn off|override|circumvent|disregard)\s+(?:all\s+|the\s+|any\s+|your\s+|previous\s+|every\s+)*"
    r"(?:guardrails?|guard rails?|policy|policies|checks?|rules?|instructions?|checkov|scans?|approvals?|reviews?|security)\b",
    r"\b(?:approve|merge|apply)\s+(?:it|this|the run|the pr|everything)?\s*(?:yourself|automatically|without (?:review|approval|asking))",
    r"\bauto[- ]?approve\w*",
    r"\bwithout (?:any )?(?:approval|review|guardrails?|checks?)\b",
    r"\bno (?:approval|guardrails?|checks?) (?:needed|required)\b",
    r"\b(?:you are|act as|pretend to be|as)\s+(?:an?\s+)?(?:admin|administrator|root user|superuser)\b",
    r"\b(?:persona|role|principal|user)\s*[:=]\s*[\w-]+",
    r"\bsystem prompt\b",
    r"\bforce (?:apply|deploy|merge)\b",
    # Korean
    r"(?:가드레일|가드 레일|정책|보안 ?검사|검사|체크|규칙|룰|리뷰|승인)(?:은|는|을|를|이|가|도)?\s*(?:다\s*)?(?:무시|건너뛰|건너 뛰|스킵|생략|우회|끄|꺼)\w*",
    r"(?:승인|리뷰|검토|검사)\s*(?:없이|안 ?받고|생략하고)",
    r"(?:직접|알아서|자동으로?|니가|네가|스스로)\s*승인\w*",
    r"자동\s*승인\w*",
    r"승인(?:은|도|을|를)?\s*(?:다\s*)?(?:알아서|직접|자동으로|스스로|니가|네가)\s*(?:해|하|처리)\w*",
    r"관리자\s*(?:권한|모드|로)\w*",
    r"(?:이전|앞의|위의)\s*(?:지시|명령|지침)\w*\s*(?:무시|잊어)\w*",
]
_HOSTILE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def find_hostile(text: str) -> tuple[list[str], str]:
    """(phrases found, the text with them blanked out)."""
    found = [m.group(0).strip() for m in _HOSTILE.finditer(text)]
    cleaned = _HOSTILE.sub(" ", text) if found else text
    return found, cleaned
