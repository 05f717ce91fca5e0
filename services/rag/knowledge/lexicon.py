"""Korean → English normalisation of infrastructure questions.

The embedding model (all-MiniLM-L6-v2) is English-centric and the knowledge base is
written in English, so a Korean question is searched as its English rendering: every
lexicon term found in the text (longest first) contributes its English words; ASCII
words (names like EKS, Postgres, ap-northeast-2) are kept as they are. BM25 runs on
both the original and the normalised question, the vector search on the normalised one.
"""

from __future__ import annotations

import re

# Korean term -> English words. Particles are left out: terms match inside words
# ("버킷이", "버킷을" both contain "버킷").
LEXICON: dict[str, str] = {
    "퍼블릭": "public", "공개": "public", "외부": "internet public", "인터넷": "internet",
    "프라이빗": "private", "비공개": "private", "사설": "private",
    "버킷": "bucket s3 storage", "스토리지": "storage", "저장소": "storage repository",
    "스토리지 계정": "azure storage account", "블롭": "blob storage",
    "클러스터": "cluster kubernetes", "쿠버네티스": "kubernetes", "노드 그룹": "node group",
    "노드": "node", "파드": "pod", "포드": "pod", "컨테이너": "container", "네임스페이스": "namespace",
    "배포": "deploy deployment", "롤아웃": "rollout", "롤백": "rollback", "재시작": "restart",
    "데이터베이스": "database", "디비": "database", "포스트그레스": "postgres postgresql",
    "포스트그레": "postgres postgresql", "서울": "seoul ap-northeast-2", "도쿄": "tokyo ap-northeast-1",
    "버지니아": "virginia us-east-1", "리전": "region", "가용 영역": "availability zone",
    "네트워크": "network vpc subnet", "서브넷": "subnet", "보안 그룹": "security group",
    "보안그룹": "security group", "방화벽": "firewall security group", "포트": "port",
    "관리 포트": "admin port ssh rdp", "원격 접속": "ssh rdp remote administration",
    "암호화": "encryption kms encrypted", "키 관리": "kms key", "고객 관리 키": "customer managed key cmk",
    "관리형 키": "customer managed key cmk", "저장 데이터": "data at rest",
    "루트": "root", "권한": "privilege permission", "특권": "privileged", "권한 상승": "privilege escalation",
    "호스트 네트워크": "hostnetwork host namespaces", "호스트": "host",
    "사용자": "user", "역할": "role iam", "정책": "policy", "와일드카드": "wildcard", "모든 권한": "wildcard action",
    "이미지": "image", "태그": "tag", "최신": "latest", "고정": "pinned immutable", "레지스트리": "registry ecr",
    "컨테이너 레지스트리": "container registry ecr",
    "리소스 제한": "resource limits requests", "제한": "limits", "메모리": "memory", "CPU": "cpu",
    "막히": "blocked guardrail", "막혀": "blocked guardrail", "차단": "blocked guardrail",
    "거부": "refused blocked", "실패": "failed failure", "오류": "error", "에러": "error",
    "왜": "why", "어떻게": "how", "어떤": "which", "무엇": "what", "모듈": "module", "변수": "variables input",
    "입력": "input", "출력": "output", "버전": "version versioning", "버전 관리": "versioning",
    "로그": "logs logging", "흐름 로그": "flow logs", "감사": "audit", "수명 주기": "lifecycle",
    "깃옵스": "gitops", "아르고": "argocd", "플럭스": "flux", "동기화": "sync",
    "파이프라인": "pipeline", "승인": "approval", "가드레일": "guardrail", "수정": "fix",
    "고치": "fix", "해결": "fix resolve", "웹사이트": "website static", "정적": "static",
    "로드밸런서": "load balancer", "로드 밸런서": "load balancer", "인그레스": "ingress",
    "서비스": "service", "쿠버네티스 버전": "kubernetes version", "자격 증명": "credentials",
    "비밀": "secret", "시크릿": "secret", "키": "key", "아마존": "aws", "구글": "gcp google",
    "애저": "azure", "애져": "azure", "이케이에스": "eks", "지케이이": "gke", "에이케이에스": "aks",
    "대기": "pending", "이미지 풀": "image pull", "크래시": "crashloopbackoff crash",
    "준비": "ready readiness", "상태": "status health", "헬스": "health probe",
    "프로덕션": "production prod", "운영": "production", "개발": "dev development", "스테이징": "staging",
    "워크로드": "workloads", "스택": "stack", "의존": "depend on dependents", "삭제": "delete deleting drops",
    "여러": "many shared", "공유": "shared", "열면": "opening port", "열린": "open", "열려": "open",
    "비용": "cost", "나트": "nat gateway", "게이트웨이": "gateway", "엔드포인트": "endpoint",
}
# English words the documents spell differently (applied to every question).
EXPANSIONS = {"unencrypted": "unencrypted encryption at rest encrypted"}
PHRASES = {"action *": "action * wildcard", "resource *": "resource * wildcard", "principal *": "principal * public"}
_TERMS = sorted(LEXICON, key=len, reverse=True)
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def has_korean(text: str) -> bool:
    return bool(_HANGUL.search(text))


def _expand(text: str) -> str:
    for phrase, replacement in PHRASES.items():
        text = re.sub(re.escape(phrase), replacement, text, flags=re.IGNORECASE)
    return " ".join(EXPANSIONS.get(word.lower(), word) for word in text.split())


def normalise(text: str) -> str:
    """The English rendering of a question (English questions only get EXPANSIONS)."""
    if not has_korean(text):
        return _expand(text)
    remaining = text
    english: list[str] = []
    for term in _TERMS:
        if term in remaining:
            english.append(LEXICON[term])
            remaining = remaining.replace(term, " ")
    english += _ASCII_WORD.findall(remaining)
    return _expand(" ".join(english))
