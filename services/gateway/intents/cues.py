"""What kind of request it is: a change or a query, which action, which persona, which language.

Why separate from the field readers: these decide how the fields are used (a query
reads runs, a change builds an intent), and the order of the rules matters: a
question about a deploy ("마지막 배포 상태") is not a deploy.
"""

from __future__ import annotations

import re

from shared.contracts.intent import Action, Persona

from services.gateway.intents.matching import has_hangul

_CHANGE_VERB = re.compile(
    r"배포\s*(?:해|하고|하여|하자|부탁|바랍|할래|해줘|해주세요|하세요|진행)|배포를?\s*(?:진행|실행)|만들어|만들고|생성|설치|띄워|띄우|올려|구성해|구축|"
    r"프로비저닝|프로비전|추가해|실행해|돌려|준비해|셋업|세팅해|적용해|"
    r"\b(?:deploy|deploying|create|make|provision|install|set\s+up|setup|spin\s+up|launch|add|build|roll\s+out|ship|"
    r"stand\s+up|give\s+me|i\s+need|we\s+need|need)\b"
)
_QUERY = re.compile(
    r"요약|상태|로그|실패|에러|오류|뭐가|무엇이|무슨\s*일|현황|결과|어떻게\s*(?:됐|되었)|알려\s*줘|보여\s*줘|"
    r"\b(?:summar\w*|status|logs?|what\s+failed|why\s+did|what\s+happened|failed|failures?|errors?|show\s+me|"
    r"list|history|how\s+did|report)\b"
)
_QUERY_STRONG = re.compile(r"요약해|알려\s*줘|보여\s*줘|\bsummar\w*|\bwhat\s+(?:failed|happened)|\bwhy\s+did|\bshow\s+me|\bstatus\s+of|\bhow\s+did")
_REVIEW = re.compile(r"리뷰(?!어)|검토|\breview(?!er)|scan(?!ner)|스캔")
_DEPLOY_AFTER = re.compile(r"배포|deploy|apply|적용|실행|run")
# "destroy" always; "delete"/"삭제" only with a thing that is built ("remove public access" is no destroy).
_OBJECT = r"(?:stack|cluster|bucket|deployment|app|environment|infra\w*|스택|클러스터|버킷|앱|배포|환경|인프라)"
_DESTROY = re.compile(
    r"\b(?:destroy|tear\s+down|teardown|decommission)\b|철거|"
    rf"\b(?:delete|remove)\s+(?:the\s+|my\s+|our\s+|this\s+)?(?:[a-z0-9-]+\s+){{0,2}}{_OBJECT}|"
    rf"{_OBJECT}\S*\s*(?:[^\s]+\s+){{0,1}}(?:삭제|제거|없애|내려)"
)

_SECURITY = re.compile(
    r"보안\s*(?:관점|측면|팀|검토|리뷰|담당|시각)|security\s+(?:perspective|review|team|point of view|lens|standpoint)|"
    r"from\s+a\s+security|as\s+(?:the\s+)?security|취약점|vulnerabilit|compliance|컴플라이언스|checkov|리뷰어|reviewers?|"
    r"code\s*review|코드\s*리뷰|(?:terraform|테라폼)\s*(?:코드\s*)?(?:리뷰|검토|review)|보안"
)
_SRE = re.compile(r"\bsre\b|on-?call|온콜|장애|incident|인시던트|운영\s*(?:관점|측면|팀)|가용성|availability|rollout\s+status")
_DEVOPS = re.compile(r"devops|데브옵스")

_FAILED_RUNS = re.compile(r"(?:실패한|실패했던|막힌|차단된)\s*(?:배포|실행|런|작업)|\bfailed\s+(?:runs|deploys|deployments|requests)")
_LAST = re.compile(r"마지막|최근|방금|지난|\blast\b|\blatest\b|\brecent\b|\bprevious\b")
_RECENT_N = re.compile(r"(?:최근|마지막|last|latest|recent)\s*(?:[^\s\d]+\s*){0,2}?(\d{1,2})\s*(?:개|건|번|runs?|deploys?|deployments?)?")
_FOCUS = {
    "logs": re.compile(r"로그|\blogs?\b"),
    "errors": re.compile(r"실패|에러|오류|\bfail\w*|\berrors?\b|왜|\bwhy\b"),
    "steps": re.compile(r"단계|스텝|\bsteps?\b"),
    "pods": re.compile(r"파드|포드|\bpods?\b|rollout|롤아웃"),
    "status": re.compile(r"상태|현황|\bstatus\b|어떻게\s*(?:됐|되었)|how\s+did"),
}

_ENGLISH_WORDS = re.compile(
    r"\b(?:the|to|and|in|with|for|a|an|please|deploy|create|make|on|of|it|as|run|bucket|what|why|show|our|my|"
    r"from|into|then|after|need|want|set|up|private|public)\b"
)


def language(text: str) -> str:
    if not has_hangul(text):
        return "en"
    return "mixed" if len(_ENGLISH_WORDS.findall(text.lower())) >= 3 else "ko"


def is_change(text: str) -> bool:
    return bool(_CHANGE_VERB.search(text))


def is_query(text: str, has_target: bool) -> bool:
    """A read: asks about runs and changes nothing. 'nginx 배포 상태 알려줘' is a read; 'nginx 배포해줘' is not."""
    if not _QUERY.search(text):
        return False
    if not is_change(text):
        return True
    return bool(_QUERY_STRONG.search(text)) and not has_target


_DEPLOY = re.compile(r"배포|띄워|올려|\bdeploy\w*|\broll\s+out\b|\bship\b")


def is_deploy(text: str) -> bool:
    """A deploy verb: with nothing named, the question is which app."""
    return bool(_DEPLOY.search(text))


def is_review_and_deploy(text: str) -> bool:
    review = _REVIEW.search(text)
    return bool(review and _DEPLOY_AFTER.search(text[review.end():]))


def is_destroy(text: str) -> bool:
    return hasattr(Action, "destroy") and bool(_DESTROY.search(text))


def persona_cue(text: str) -> Persona | None:
    if _SECURITY.search(text):
        return Persona.security
    if _SRE.search(text):
        return Persona.sre
    if _DEVOPS.search(text):
        return Persona.devops
    return None


def query_of(text: str) -> dict:
    """What a read asks for: how many runs, which status, what to show."""
    recent = _RECENT_N.search(text)
    limit = int(recent.group(1)) if recent else (1 if _LAST.search(text) else 5)
    focus = [name for name, pattern in _FOCUS.items() if pattern.search(text)] or ["status"]
    only_failed = bool(_FAILED_RUNS.search(text))
    return {"limit": max(1, min(limit, 20)), "status": "failed" if only_failed else None, "focus": focus}
