// One run: live step timeline (server-sent events, replayed on reload), findings, files, plan,
// report, and the decisions the signed-in principal may take.
import { allows, get, post, text } from "../api";
import { age, badge, clear, h } from "../dom";
import { t } from "../i18n";
import type { Session, View } from "../main";
import { codeBlock, diffBlock } from "../code";
import type { RunSummary } from "./runs";

interface Step {
  name: string; seq: number; status: string; attempts: number; executions: number; worker: string | null;
  queue: string | null; started_at: string | null; finished_at: string | null; duration_ms: number | null;
  detail: string | null;
}
interface Finding {
  guardrail_id: string | null; check_id: string; resource: string; file: string; line_start: number; line_end: number;
  severity: string; message: string; fix_hint: string; blocking: boolean; accepted: string;
}
interface Artifact { path: string; kind: string; sha256: string; size: number }
interface RunDetail extends RunSummary {
  intent: Record<string, unknown>; steps: Step[]; findings: Finding[]; verdict: string | null; artifacts: Artifact[];
  change: Record<string, unknown> | null; approvals: { decision: string; actor: string; comment: string | null; created_at: string }[];
  report: { text: string; facts: Record<string, unknown> } | null;
  content_sha256?: string | null; requested_by_principal_id?: number | null;
}

const PIPELINE = ["rag.retrieve", "terraform.generate", "policy.validate", "terraform.plan", "github.open_pr",
  "github.dispatch_workflow", "github.await_run", "terraform.apply", "k8s.deploy", "k8s.await_rollout",
  "rag.record_graph", "rag.report"];
const TERMINAL = new Set(["blocked", "succeeded", "not_applied", "failed", "rejected", "cancelled"]);
const CANCELLABLE = new Set(["queued", "planning", "validating", "awaiting_approval"]);

function ownRun(run: RunDetail, session: Session): boolean {
  if (run.requested_by_principal_id != null && session.me.id != null) return run.requested_by_principal_id === session.me.id;
  return run.requested_by === session.me.name;
}

function timeline(run: RunDetail): HTMLElement {
  const byName = new Map(run.steps.map((s) => [s.name, s]));
  const names = [...PIPELINE, ...run.steps.map((s) => s.name).filter((n) => !PIPELINE.includes(n))];
  return h("ol", { class: "timeline", id: "timeline" }, ...names.map((name) => {
    const step = byName.get(name);
    const status = step?.status ?? "pending";
    return h("li", { class: `step status-${status}`, "data-step": name, "data-status": status },
      h("div", { class: "step-head" }, badge(status), h("code", {}, name)),
      step ? h("div", { class: "step-meta" },
        `${t("worker")}: ${step.worker ?? "-"} · ${t("duration")}: ${step.duration_ms != null ? `${Math.round(step.duration_ms)} ms` : "-"} · ${t("attempts")}: ${step.attempts}`) : null,
      step?.detail ? h("div", { class: "step-detail" }, step.detail) : null);
  }));
}

async function findingsTable(run: RunDetail): Promise<HTMLElement> {
  if (!run.findings.length) return h("p", { class: "muted", id: "findings" }, t("noFindings"));
  const sources = new Map<string, string[]>();
  for (const path of new Set(run.findings.map((f) => f.file))) {
    const artifact = run.artifacts.find((a) => a.path === path || a.path.endsWith(path.replace(/^\//, "")));
    if (!artifact) continue;
    try { sources.set(path, (await text(`/api/v1/runs/${run.id}/artifacts/${artifact.path}`)).split("\n")); } catch { /* shown without the line */ }
  }
  return h("table", { class: "findings", id: "findings" },
    h("thead", {}, h("tr", {}, ...["guardrail", "check", "severity", "location", "fix", "accepted"].map((k) => h("th", { scope: "col" }, t(k as never))))),
    h("tbody", {}, ...run.findings.map((f) => {
      const line = sources.get(f.file)?.[f.line_start - 1];
      return h("tr", { class: f.blocking ? "blocking" : "", "data-check": f.check_id, "data-guardrail": f.guardrail_id ?? "" },
        h("td", {}, f.guardrail_id ?? "-", f.blocking ? h("span", { class: "tag" }, "blocking") : null),
        h("td", {}, h("code", {}, f.check_id), h("div", { class: "muted" }, f.message)),
        h("td", {}, h("span", { class: `sev sev-${f.severity}` }, f.severity)),
        h("td", {}, h("code", { class: "loc" }, `${f.file}:${f.line_start}`), line !== undefined ? h("pre", { class: "src-line" }, line.trim()) : null),
        h("td", {}, f.fix_hint),
        h("td", {}, f.accepted || ""));
    })));
}

async function previousRun(run: RunDetail): Promise<RunSummary | undefined> {
  const page = await get<{ items: RunSummary[] }>("/api/v1/runs?limit=200");
  return page.items.find((r) => r.target === run.target && r.id !== run.id && r.created_at < run.created_at);
}

function artifactsView(run: RunDetail): HTMLElement {
  const viewer = h("div", { class: "viewer", id: "artifact-view" });
  const diff = h("input", { type: "checkbox", id: "diff-toggle" }) as HTMLInputElement;
  let current: Artifact | undefined = run.artifacts[0];
  const show = async () => {
    clear(viewer);
    if (!current) return;
    const content = await text(`/api/v1/runs/${run.id}/artifacts/${current.path}`);
    if (!diff.checked) { viewer.append(codeBlock(current.path, content)); return; }
    const before = await previousRun(run);
    let old: string | null = null;
    if (before) { try { old = await text(`/api/v1/runs/${before.id}/artifacts/${current.path}`); } catch { old = null; } }
    viewer.append(old === null ? h("p", { class: "muted" }, t("noPrevious")) : diffBlock(old, content));
  };
  diff.addEventListener("change", () => void show());
  const list = h("ul", { class: "files", role: "list" }, ...run.artifacts.map((a) =>
    h("li", {}, h("button", { type: "button", class: "file", "data-path": a.path, onclick: () => { current = a; void show(); } }, a.path))));
  void show();
  return h("div", { class: "artifacts" }, list, h("div", {},
    h("label", { class: "row" }, diff, t("showDiff")), viewer));
}

function decisions(run: RunDetail, session: Session, reload: () => void): HTMLElement {
  const box = h("section", { class: "card", id: "decide" }, h("h2", {}, t("approvals")));
  for (const a of run.approvals) box.append(h("p", {}, `${a.decision} · ${a.actor} · ${age(a.created_at)}${a.comment ? ` · ${a.comment}` : ""}`));
  const comment = h("textarea", { id: "decision-comment", rows: 2, cols: 60, "aria-label": t("comment"), placeholder: t("comment") }) as HTMLTextAreaElement;
  const error = h("p", { class: "error", role: "alert", id: "decision-error" });
  const act = (path: string, extra: Record<string, unknown> = {}) => async () => {
    error.textContent = "";
    try { await post(`/api/v1/runs/${run.id}/${path}`, { comment: comment.value || null, ...extra }); reload(); }
    catch (failure) { error.textContent = (failure as Error).message; }
  };
  const own = ownRun(run, session);
  const buttons = h("div", { class: "row" });
  if (run.status === "awaiting_approval" && allows(session.me, "approver")) {
    if (own) box.append(h("p", { class: "notice", id: "own-run" }, t("ownRun")));
    else {
      if (run.content_sha256) box.append(h("p", {}, `${t("contentHash")}: `, h("code", { id: "content-hash" }, run.content_sha256)));
      buttons.append(
        h("button", { type: "button", id: "approve", onclick: act("approve", run.content_sha256 ? { content_sha256: run.content_sha256 } : {}) }, t("approve")),
        h("button", { type: "button", id: "reject", class: "secondary", onclick: act("reject") }, t("reject")));
    }
  }
  if (CANCELLABLE.has(run.status) && (own || allows(session.me, "admin")) && allows(session.me, "requester")) {
    buttons.append(h("button", { type: "button", id: "cancel", class: "secondary", onclick: act("cancel") }, t("cancel")));
  }
  if (buttons.childElementCount) box.append(comment, buttons);
  box.append(error);
  return box;
}

export const runView: View = (main, session, id) => {
  const head = h("div", { id: "run-head" });
  const steps = h("section", { class: "card" }, h("h2", {}, t("steps")), h("div", { id: "steps" }));
  const rest = h("div", { id: "run-rest" });
  main.append(head, steps, rest);
  let run: RunDetail | null = null;
  let renderedRest = "";
  let pending: number | undefined;

  const render = async () => {
    if (!run) return;
    clear(head).append(h("h1", {}, h("span", { id: "run-status" }, badge(run.status)), " ", run.target),
      h("p", { class: "muted" }, `${t("persona")}: ${run.persona} · ${t("requester")}: ${run.requested_by} · ${t("age")}: ${age(run.created_at)} · `, h("code", {}, run.id)),
      run.error ? h("p", { class: "error", id: "run-error" }, run.error) : "");
    clear(steps.querySelector("#steps") as HTMLElement).append(timeline(run));
    // The heavier sections are rebuilt only when what they show changed.
    const key = JSON.stringify([run.status, run.findings.length, run.artifacts.map((a) => a.sha256), run.report?.text, run.approvals.length]);
    if (key === renderedRest) return;
    renderedRest = key;
    const plan = run.steps.find((s) => s.name === "terraform.plan");
    const sections = [
      decisions(run, session, () => void load()),
      h("section", { class: "card" }, h("h2", {}, `${t("findings")} · ${t("verdict")}: `, h("span", { id: "verdict" }, run.verdict ?? "-")), await findingsTable(run)),
      plan ? h("section", { class: "card", id: "plan" }, h("h2", {}, t("plan")), h("p", {}, plan.detail ?? plan.status)) : null,
      run.report ? h("section", { class: "card", id: "report" }, h("h2", {}, t("report")), h("p", {}, run.report.text),
        h("dl", {}, ...Object.entries(run.report.facts).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]))) : null,
      run.artifacts.length ? h("section", { class: "card" }, h("h2", {}, t("artifacts")), artifactsView(run)) : null,
    ];
    clear(rest).append(...sections.filter((s): s is HTMLElement => s !== null));
  };
  let latest = 0;
  const load = async () => {
    const mine = ++latest;
    try {
      const fresh = await get<RunDetail>(`/api/v1/runs/${id}`);
      if (mine !== latest) return; // a later read was started: it wins
      run = fresh;
      await render();
    }
    catch (error) { clear(head).append(h("p", { class: "error" }, (error as Error).message)); }
  };
  const soon = () => { window.clearTimeout(pending); pending = window.setTimeout(() => void load(), 150); };

  // Live: apply each event at once (the timeline moves), then re-read the run for the details.
  const events = new EventSource(`/api/v1/runs/${id}/events`);
  const apply = (event: MessageEvent) => {
    const data = JSON.parse(event.data) as { event: string; step?: string; status?: string; detail?: string };
    document.body.dataset.lastEvent = `${data.event}:${data.step ?? data.status ?? ""}`;
    if (!run) { soon(); return; } // the first read is still in flight: read again once it lands
    if (data.step && (data.event === "step.started" || data.event === "step.finished" || data.event === "step.retrying")) {
      const status = data.event === "step.started" ? "running" : data.event === "step.retrying" ? "retrying" : data.status ?? "succeeded";
      const existing = run.steps.find((s) => s.name === data.step);
      if (existing) { existing.status = status; if (data.detail) existing.detail = data.detail; }
      else run.steps.push({ name: data.step, seq: PIPELINE.indexOf(data.step), status, attempts: 1, executions: 1, worker: null, queue: null, started_at: null, finished_at: null, duration_ms: null, detail: data.detail ?? null });
      clear(steps.querySelector("#steps") as HTMLElement).append(timeline(run));
    }
    if (data.event === "run.status" && data.status) {
      run.status = data.status;
      clear(head.querySelector("#run-status") as HTMLElement).append(badge(data.status));
      if (TERMINAL.has(data.status)) events.close();
    }
    soon();
  };
  for (const name of ["step.started", "step.finished", "step.retrying", "run.status", "run.approved", "run.resumed"]) {
    events.addEventListener(name, apply as EventListener);
  }
  void load();
  // Postgres is the source of truth: if the stream is silent (a lost publish), the page still
  // catches up by reading the run every few seconds until it ends.
  const poll = window.setInterval(() => { if (!document.hidden && run && !TERMINAL.has(run.status)) void load(); }, 5000);
  return () => { events.close(); window.clearTimeout(pending); window.clearInterval(poll); };
};
