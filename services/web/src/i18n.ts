// UI text in English and Korean; the choice is a display preference kept in localStorage
// (the API key never is).
const en = {
  title: "MCP Cloud console",
  signIn: "Sign in", signOut: "Sign out", apiKey: "API key", apiKeyHint: "Paste the API key you were given (mcp_…). It is kept in an HttpOnly session cookie, never in this page's storage.",
  runs: "Runs", newRequest: "New request", admin: "Admin", signedInAs: "Signed in as",
  apiDocs: "API docs", flower: "Flower", graph: "Graph",
  status: "Status", persona: "Persona", target: "Target", requester: "Requester", age: "Age", any: "any",
  filterTarget: "Filter by target", noRuns: "No runs match.", total: "total", prev: "Previous", next: "Next",
  live: "live", updated: "updated",
  textMode: "In words", formMode: "Structured intent", requestText: "What do you want? (Korean or English)",
  preview: "Preview", submit: "Submit request", understood: "Understood", defaulted: "Defaulted", missing: "Missing",
  ignored: "Ignored (no effect)", parserUnavailable: "The intent parser is not available on this server; use the structured form.",
  intentJson: "Intent (JSON, DeploymentIntent)", invalidJson: "The intent is not valid JSON",
  steps: "Steps", worker: "Worker", duration: "Duration", attempts: "Attempts", detail: "Detail",
  findings: "Guardrail findings", guardrail: "Guardrail", check: "Check", severity: "Severity", location: "File:line",
  fix: "How to fix", accepted: "Accepted by module", noFindings: "No findings.", verdict: "Verdict",
  artifacts: "Generated files", showDiff: "Diff against the previous run of this stack", noPrevious: "No earlier run of this stack has this file.",
  plan: "Plan", report: "Report", approvals: "Decisions", contentHash: "Content hash (what you approve)",
  approve: "Approve", reject: "Reject", cancel: "Cancel run", comment: "Comment",
  ownRun: "This is your own request: another approver must decide (four eyes).",
  config: "Configuration", keys: "API keys", locks: "Target locks", scope: "Scope", key: "Key", value: "Value",
  version: "Version", rotate: "Rotate", audit: "Audit", secret: "secret", name: "Name", role: "Role",
  create: "Create", revoke: "Revoke", revoked: "revoked", newKeyOnce: "New key (shown once, copy it now):",
  run: "Run", acquired: "Acquired", noLocks: "No target is locked.", prefix: "Key prefix filter", load: "Load",
  error: "Error", language: "한국어",
};
type Dict = typeof en;
const ko: Dict = {
  title: "MCP Cloud 콘솔",
  signIn: "로그인", signOut: "로그아웃", apiKey: "API 키", apiKeyHint: "발급받은 API 키(mcp_…)를 붙여 넣으세요. 키는 HttpOnly 세션 쿠키에만 보관되며 이 페이지의 저장소에는 남지 않습니다.",
  runs: "실행 목록", newRequest: "새 요청", admin: "관리", signedInAs: "로그인 사용자",
  apiDocs: "API 문서", flower: "Flower", graph: "그래프",
  status: "상태", persona: "페르소나", target: "대상", requester: "요청자", age: "경과", any: "전체",
  filterTarget: "대상으로 필터", noRuns: "조건에 맞는 실행이 없습니다.", total: "전체", prev: "이전", next: "다음",
  live: "실시간", updated: "갱신",
  textMode: "문장으로", formMode: "구조화된 인텐트", requestText: "무엇을 원하시나요? (한국어 또는 영어)",
  preview: "미리 보기", submit: "요청 보내기", understood: "이해한 내용", defaulted: "기본값 적용", missing: "누락",
  ignored: "무시됨 (효과 없음)", parserUnavailable: "이 서버에는 인텐트 파서가 없습니다. 구조화된 양식을 사용하세요.",
  intentJson: "인텐트 (JSON, DeploymentIntent)", invalidJson: "인텐트가 올바른 JSON이 아닙니다",
  steps: "단계", worker: "워커", duration: "소요 시간", attempts: "시도", detail: "내용",
  findings: "가드레일 결과", guardrail: "가드레일", check: "체크", severity: "심각도", location: "파일:줄",
  fix: "수정 방법", accepted: "모듈에서 허용", noFindings: "발견된 문제가 없습니다.", verdict: "판정",
  artifacts: "생성된 파일", showDiff: "같은 스택의 이전 실행과 비교", noPrevious: "이 파일이 있는 이전 실행이 없습니다.",
  plan: "플랜", report: "보고서", approvals: "결정", contentHash: "콘텐츠 해시 (승인 대상)",
  approve: "승인", reject: "거절", cancel: "실행 취소", comment: "코멘트",
  ownRun: "본인이 요청한 실행입니다. 다른 승인자가 결정해야 합니다 (4-eyes).",
  config: "설정", keys: "API 키", locks: "대상 잠금", scope: "범위", key: "키", value: "값",
  version: "버전", rotate: "교체", audit: "감사 기록", secret: "비밀", name: "이름", role: "역할",
  create: "만들기", revoke: "폐기", revoked: "폐기됨", newKeyOnce: "새 키 (한 번만 표시됩니다. 지금 복사하세요):",
  run: "실행", acquired: "획득 시각", noLocks: "잠긴 대상이 없습니다.", prefix: "키 접두사 필터", load: "불러오기",
  error: "오류", language: "English",
};

export type Lang = "en" | "ko";
let lang: Lang = (localStorage.getItem("mcp-console-lang") as Lang) || (navigator.language.startsWith("ko") ? "ko" : "en");

export function t(key: keyof Dict): string {
  return (lang === "ko" ? ko : en)[key];
}

export function currentLang(): Lang {
  return lang;
}

export function toggleLang(): void {
  lang = lang === "en" ? "ko" : "en";
  localStorage.setItem("mcp-console-lang", lang);
  document.documentElement.lang = lang;
}
