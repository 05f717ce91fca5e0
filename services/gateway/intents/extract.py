"""Readers of single fields from a normalised request (lower case, typos repaired).

Why one function per field: each rule can be read and tested on its own, and a field
the text does not give is `None`, never a guess; the parser decides what a `None`
becomes (a named default or a question).
"""

from __future__ import annotations

import re

from shared.contracts.intent import AWS_REGIONS, AZURE_REGIONS, GCP_REGIONS, NAME_PATTERN

from services.gateway.intents import lexicon
from services.gateway.intents.matching import AliasTable, phrase_pattern

CLOUD = AliasTable(lexicon.CLOUDS)
PLATFORM = AliasTable(lexicon.PLATFORMS)
SERVICE_CLOUD = AliasTable(lexicon.CLOUD_SERVICES)
GITOPS = AliasTable(lexicon.GITOPS)
CI = AliasTable(lexicon.CI)
ENVIRONMENT = AliasTable(lexicon.ENVIRONMENTS)
KIND = AliasTable(lexicon.WORKLOAD_KINDS)
APP = AliasTable({app.name: app.aliases for app in lexicon.APPS})
PLACES = {cloud: AliasTable(places) for cloud, places in lexicon.REGION_PLACES.items()}
CATALOG = AliasTable({name: (name,) for name in lexicon.catalog_words()})

_K8S = phrase_pattern(lexicon.KUBERNETES_WORDS)
_BUCKET = phrase_pattern(lexicon.BUCKET_WORDS)
_CLUSTER = phrase_pattern(lexicon.CLUSTER_WORDS)
_EXISTING = re.compile(r"(?:existing|current|already running)\s+(?:[a-z0-9-]+\s+)?cluster|(?:기존|이미 있는|지금|현재)\s*(?:[a-z0-9-]+\s*)?클러스터")
_GENERIC_APP = phrase_pattern(lexicon.GENERIC_APP_WORDS)
_NO_GITOPS = phrase_pattern(lexicon.NO_GITOPS)
_NO_CI = phrase_pattern(lexicon.NO_CI)

_REGION_CODES = sorted(AWS_REGIONS | GCP_REGIONS | AZURE_REGIONS, key=len, reverse=True)
_REGION = re.compile(r"(?<![a-z0-9-])(" + "|".join(map(re.escape, _REGION_CODES)) + r")(?![a-z0-9-])")
REGION_CLOUD = {r: c for c, regions in (("aws", AWS_REGIONS), ("gcp", GCP_REGIONS), ("azure", AZURE_REGIONS)) for r in regions}

_NAME = re.compile(NAME_PATTERN)
_STOPWORDS = frozenset(
    "the a an this that same my our your its to in on of for and with as it is be new one default-ish".split()
)
_NUMBERS_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "single": 1}
_NUMBERS_KO = {"한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다섯": 5, "여섯": 6,
               "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
_NUM = r"(\d{1,3}|" + "|".join(sorted([*_NUMBERS_EN, *_NUMBERS_KO], key=len, reverse=True)) + r")"


def number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS_EN.get(word) or _NUMBERS_KO[word]


# -- cloud, platform, region --------------------------------------------------------------

def clouds(text: str) -> list[str]:
    found = CLOUD.values(text)
    for cloud in SERVICE_CLOUD.values(text) + [lexicon.catalog_words()[n][0] for n in CATALOG.values(text)]:
        if cloud not in found:
            found.append(cloud)
    return found


def explicit_clouds(text: str) -> list[str]:
    """Clouds named as such (not implied by a service name)."""
    return CLOUD.values(text)


def platforms(text: str) -> list[str]:
    return PLATFORM.values(text)


def mentions_kubernetes(text: str) -> bool:
    return bool(_K8S.search(text))


def region_codes(text: str) -> list[str]:
    seen: list[str] = []
    for match in _REGION.finditer(text):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


def region_places(text: str, cloud: str) -> list[str]:
    return PLACES[cloud].values(text)


# -- what to build ------------------------------------------------------------------------

def mentions_bucket(text: str) -> bool:
    return bool(_BUCKET.search(text)) or any(lexicon.catalog_words()[n][1] == "bucket" for n in CATALOG.values(text))


def mentions_cluster(text: str) -> bool:
    return bool(_CLUSTER.search(text)) or any(lexicon.catalog_words()[n][1] == "cluster" for n in CATALOG.values(text))


def existing_cluster(text: str) -> bool:
    return bool(_EXISTING.search(text))


def generic_app(text: str) -> bool:
    return bool(_GENERIC_APP.search(text))


_IMAGE_REF = re.compile(
    r"(?<![a-z0-9_./-])((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?/)?[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*)"
    r":([a-z0-9_][a-z0-9_.-]{0,127})(?![a-z0-9_./:-])"
)
_IMAGE_WORD = re.compile(r"(?:image|이미지)\s*[:=]?\s*[\"'`]?((?:[a-z0-9.-]+/)*[a-z0-9][a-z0-9._-]*)(?![\w:])")


def image_refs(text: str) -> list[tuple[str, str]]:
    """(image, tag) pairs written as image:tag; 'key: value' phrases (privileged: true) are not images."""
    refs = []
    for match in _IMAGE_REF.finditer(text):
        image, tag = match.group(1), match.group(2)
        if image in {"privileged", "port", "replicas", "namespace", "ns", "region", "tag", "image", "persona",
                     "role", "runasuser", "runasnonroot", "name", "stack", "env", "http", "https"}:
            continue
        if "/" not in image and not any(c.isalpha() for c in tag) and "." not in tag and not tag.isdigit():
            continue
        refs.append((image, tag.rstrip(".")))
    return refs


def image_without_tag(text: str) -> str | None:
    match = _IMAGE_WORD.search(text)
    return match.group(1) if match else None


def apps(text: str) -> list[str]:
    return APP.values(text)


def app_version(text: str, alias_positions: list[tuple[str, int]]) -> str | None:
    """'redis 7.4', 'nginx 버전 1.27.3', 'grafana v11.2.0': a version written after the app's name."""
    for alias, position in alias_positions:
        tail = text[position + len(alias): position + len(alias) + 30]
        match = re.match(r"\s*(?:version|버전|ver\.?)?\s*(v?\d+(?:\.\d+){1,3}(?:-[a-z0-9.]+)?)(?![a-z0-9.])", tail)
        if match:
            return match.group(1)
        match = re.match(r"\s*(?:version|버전)\s*(v?\d+)(?![a-z0-9.])", tail)
        if match:
            return match.group(1)
    return None


def app_positions(text: str) -> list[tuple[str, str, int]]:
    return APP.find(text)


def workload_kind(text: str) -> str | None:
    return KIND.first(text)


# -- app settings -------------------------------------------------------------------------

_NODES = re.compile(
    rf"(?:(?:워커\s*)?노드|(?:worker\s+)?nodes?)\s*(?:수\s*)?[:=]?\s*{_NUM}\s*(?:개|대)?|{_NUM}\s*(?:개의?|대의?)?\s*(?:워커\s*)?(?:노드|(?:worker\s+)?nodes?)"
)
_REPLICAS = [
    re.compile(rf"{_NUM}\s*(?:개의?|대의?)?\s*(?:replicas?|레플리카|리플리카|복제본|파드|pods?|인스턴스|instances?|copies)(?![a-z])"),
    re.compile(rf"(?:replicas?|레플리카|리플리카|복제본|파드|pods?|인스턴스)\s*(?:수|개수|count)?\s*(?:는|를|을|은)?\s*[:=]?\s*{_NUM}(?![\d.])"),
    re.compile(rf"(?:scale(?:d)?\s+(?:it\s+)?to|x|×)\s*{_NUM}(?![\d.a-z])"),
]
_COUNT_KO = re.compile(rf"(?<![\d.]){_NUM}\s*(?:개|대)(?:로|씩|를|만)?(?!\s*(?:의\s*)?(?:버킷|bucket|노드|node|클러스터|cluster|리전))")


def nodes(text: str) -> int | None:
    match = _NODES.search(text)
    if not match:
        return None
    word = match.group(1) or match.group(2)
    return number(word)


def strip_nodes(text: str) -> str:
    return _NODES.sub(" ", text)


def replicas(text: str) -> int | None:
    text = strip_nodes(text)
    for pattern in _REPLICAS:
        match = pattern.search(text)
        if match:
            return number(match.group(1))
    match = _COUNT_KO.search(text)
    return number(match.group(1)) if match else None


_NS_VALUE = r"[\"'`]?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)[\"'`]?"
_NAMESPACE = [
    re.compile(r"(?:namespace|네임스페이스|ns)\s*[:=]\s*" + _NS_VALUE + r"(?![a-z0-9-])"),
    re.compile(r"(?<![a-z0-9-])-n\s+" + _NS_VALUE + r"(?![a-z0-9-])"),
    re.compile(r"(?<![a-z0-9-])" + _NS_VALUE + r"\s*(?:namespace|네임스페이스)"),
    re.compile(r"(?:namespace|네임스페이스)(?:는|은|를|을)?\s+" + _NS_VALUE + r"(?![a-z0-9-])"),
]


def namespace(text: str) -> str | None:
    for pattern in _NAMESPACE:
        for match in pattern.finditer(text):
            value = match.group(1)
            if value not in _STOPWORDS and not value.isdigit():
                return value
    return None


_PORT = re.compile(r"(?:port|포트)\s*(?:번호)?\s*(?:는|를)?\s*[:=]?\s*(\d{2,5})(?!\d)|(\d{2,5})\s*(?:번\s*)?(?:포트|port)(?![a-z])")


def port(text: str) -> int | None:
    match = _PORT.search(text)
    if not match:
        return None
    value = int(match.group(1) or match.group(2))
    return value if 1 <= value <= 65535 else None


def _flag(text: str, yes: re.Pattern[str], no: re.Pattern[str]) -> bool | None:
    if no.search(text):
        return False
    if yes.search(text):
        return True
    return None


_ROOT_NO = re.compile(r"non-?\s?root|rootless|not\s+(?:run\s+)?(?:as\s+)?root|without\s+root|루트\s*(?:가|이)?\s*아닌|"
                      r"(?:루트|root)\s*(?:권한\s*)?(?:없이|말고|금지)|runasnonroot\s*[:=]\s*true")
_ROOT_YES = re.compile(r"(?:as|with)\s+(?:the\s+)?root\b|\broot\s*(?:로|으로|권한|user|사용자|계정|privileges?|access)|"
                       r"루트\s*(?:로|으로|권한|계정|사용자)|run_?as_?root\s*[:=]?\s*(?:true)?|runasuser\s*[:=]\s*0\b|"
                       r"\buid\s*[:=]?\s*0\b|runasnonroot\s*[:=]\s*false")
_PRIV_NO = re.compile(r"privileged\s*[:=]\s*false|not\s+privileged|without\s+privileged?|non-?\s?privileged|"
                      r"특권\s*(?:모드|권한|컨테이너)?\s*(?:없이|말고|금지)")
_PRIV_YES = re.compile(r"(?<![a-z-])(?<!non )privileged(?:\s*[:=]\s*true|\s+mode|\s+container)?(?![a-z-])|특권\s*(?:모드|권한|컨테이너)?")


def run_as_root(text: str) -> bool | None:
    return _flag(text, _ROOT_YES, _ROOT_NO)


def privileged(text: str) -> bool | None:
    return _flag(text, _PRIV_YES, _PRIV_NO)


_EXPOSE_NO = re.compile(r"internal only|internal-only|내부(?:에서)?\s*만|비공개|"
                        r"(?:공개|노출)(?:은|는|을|를|도)?\s*(?:없이|하지\s*(?:마|말)|금지|안\s*(?:함|해|하))|"
                        r"without (?:an )?ingress|not (?:be )?exposed|no ingress|cluster-?ip only")
_EXPOSE_YES = re.compile(r"외부(?:에|로)?\s*(?:공개|노출|접속|접근)|인터넷(?:에|으로)?\s*(?:공개|노출)|\bexpose[ds]?\b|"
                         r"public(?:ly)?(?:\s+accessible)?|\bingress\b|인그레스|load\s*balancer|로드\s*밸런서|퍼블릭|공개")


def expose(text: str) -> bool | None:
    return _flag(text, _EXPOSE_YES, _EXPOSE_NO)


# -- buckets ------------------------------------------------------------------------------

_PUBLIC_NO = re.compile(r"\bprivate\b|비공개|프라이빗|block(?:ed|ing)?\s+(?:all\s+)?public\s+access|public\s+access\s+block|"
                        r"not\s+public|공개\s*(?:하지\s*말|금지|안\s*함)|외부\s*접근\s*차단")
_PUBLIC_YES = re.compile(r"public[- ]?read(?:able)?|publicly\s+readable|\bpublic\b|공개|퍼블릭|누구나\s*읽|익명\s*읽기|anonymous read")


def public_read(text: str) -> bool | None:
    return _flag(text, _PUBLIC_YES, _PUBLIC_NO)


_VERSIONING_NO = re.compile(r"(?:without|no)\s+versioning|versioning\s*(?:off|disabled|false)|(?:버전\s*관리|버저닝|버전닝)\s*(?:없이|끄고|꺼|off|안\s*함|하지\s*말)")
_VERSIONING_YES = re.compile(r"versioning|versioned|버전\s*관리|버저닝|버전닝")


def versioning(text: str) -> bool | None:
    return _flag(text, _VERSIONING_YES, _VERSIONING_NO)


_PURPOSES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"application logs?|app logs?|애플리케이션 로그|앱 로그|어플리케이션 로그"), "Application logs", "app-logs"),
    (re.compile(r"access logs?|액세스 로그|접근 로그"), "Access logs", "access-logs"),
    (re.compile(r"audit logs?|감사 로그"), "Audit logs", "audit-logs"),
    (re.compile(r"\blogs?\b|\blogging\b|로그"), "Logs", "logs"),
    (re.compile(r"static website|website|web site|웹\s*사이트|홈페이지|정적 사이트"), "Static website", "website"),
    (re.compile(r"backups?|백업"), "Backups", "backups"),
    (re.compile(r"artifacts?|아티팩트|빌드 결과물"), "Build artifacts", "artifacts"),
    (re.compile(r"data lake|데이터 레이크|데이터레이크"), "Data lake", "data-lake"),
    (re.compile(r"terraform state|tfstate|테라폼 상태"), "Terraform state", "tf-state"),
    (re.compile(r"images|이미지 파일|사진|media|미디어"), "Media files", "media"),
    (re.compile(r"\bassets?\b|에셋|정적 파일|static files"), "Static assets", "assets"),
]


def purpose(text: str) -> tuple[str, str] | None:
    """(purpose as written in the bucket's tags, slug for names)."""
    for pattern, label, slug in _PURPOSES:
        if pattern.search(text):
            return label, slug
    return None


_NAMED = [
    re.compile(r"(?:named|called|name|이름(?:은|을|이|:)?|이름은)\s*[:=]?\s*[\"'`]?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])[\"'`]?(?![a-z0-9.-])"),
    re.compile(r"[\"'`]?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])[\"'`]?\s*(?:이라는|라는|란)\s*(?:이름의?\s*)?"),
]


def given_name(text: str) -> str | None:
    """A name the user gave ('named team-logs', 'team-logs라는 버킷')."""
    for pattern in _NAMED:
        match = pattern.search(text)
        if match and match.group(1) not in _STOPWORDS:
            return match.group(1)
    return None


_STACK = re.compile(r"(?:stack|스택|workspace|워크스페이스)\s*(?:은|는|을|를|이름은?)?\s*[:=]?\s*[\"'`]?([a-z][a-z0-9-]{1,38}[a-z0-9])(?![a-z0-9-])")
_CLUSTER_NAME = [
    re.compile(r"cluster\s+(?:named|called)\s+[\"'`]?([a-z][a-z0-9-]{1,38}[a-z0-9])"),
    re.compile(r"(?:cluster|클러스터)\s*(?:name|이름)\s*(?:은|는|을)?\s*[:=]?\s*[\"'`]?([a-z][a-z0-9-]{1,38}[a-z0-9])"),
    re.compile(r"[\"'`]?([a-z][a-z0-9]*-[a-z0-9-]*[a-z0-9])[\"'`]?\s*(?:이라는|라는)?\s*(?:eks|gke|aks)?\s*(?:cluster|클러스터)"),
]
_K8S_VERSION = re.compile(r"(?:kubernetes|k8s|쿠버네티스|eks|gke|aks|version|버전)\s*(?:버전|version|v)?\s*(1\.(?:2[89]|3\d))(?![\d.])")
_INSTANCE = re.compile(r"(?<![a-z0-9.])([a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|metal|\d*xlarge)|"
                       r"[a-z]\d[a-z]?-(?:standard|highmem|highcpu)-\d+|standard_[a-z0-9]+_v\d+)(?![a-z0-9])")


def stack_name(text: str) -> str | None:
    match = _STACK.search(text)
    return match.group(1) if match and _NAME.match(match.group(1)) else None


def cluster_name(text: str) -> str | None:
    for pattern in _CLUSTER_NAME:
        match = pattern.search(text)
        if match and _NAME.match(match.group(1)):
            return match.group(1)
    return None


def kubernetes_version(text: str) -> str | None:
    match = _K8S_VERSION.search(text)
    return match.group(1) if match else None


def instance_type(text: str) -> str | None:
    match = _INSTANCE.search(text)
    if not match:
        return None
    value = match.group(1)
    return "Standard_" + value[len("standard_"):].capitalize() if value.startswith("standard_") else value


# -- tools, environment -------------------------------------------------------------------

def gitops(text: str) -> str | None:
    if _NO_GITOPS.search(text):
        return "none"
    return GITOPS.first(text)


def ci(text: str) -> str | None:
    if _NO_CI.search(text):
        return "none"
    return CI.first(text)


_NOT_ENV = re.compile(r"운영\s*(?:관점|측면|팀|자|담당)|devops|데브옵스|개발자|개발팀")


def environments(text: str) -> list[str]:
    return ENVIRONMENT.values(_NOT_ENV.sub(" ", text))


def valid_name(value: str) -> bool:
    return bool(_NAME.match(value))


def slug(value: str, limit: int = 40) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return cleaned[:limit].rstrip("-")
