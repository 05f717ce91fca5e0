// The runs list: filters, paging, and a refresh every few seconds while the page is open.
import { get } from "../api";
import { age, badge, clear, h } from "../dom";
import { t } from "../i18n";
import type { View } from "../main";

export interface RunSummary {
  id: string; status: string; persona: string; requested_by: string; target: string;
  created_at: string; updated_at: string; finished_at: string | null; error: string | null;
}
interface RunPage { items: RunSummary[]; total: number; limit: number; offset: number; next_cursor: string | null }

const STATUSES = ["queued", "planning", "validating", "awaiting_approval", "blocked", "applying", "verifying",
  "succeeded", "not_applied", "failed", "rejected", "cancelled"];
const PERSONAS = ["devops", "security", "sre"];
const PAGE = 50;
const REFRESH_MS = 3000;

// Pages after the first are asked for by cursor (keyset: the server reads one page, and
// runs arriving meanwhile shift nothing); a link to a deep page (#/runs?offset=N) uses
// the offset once, since it carries no cursor.
function runsUrl(offset: number, status: string, persona: string, after: string | null = null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (after) query.set("after", after);
  else query.set("offset", String(offset));
  if (status) query.set("status", status);
  if (persona) query.set("persona", persona);
  return `/api/v1/runs?${query}`;
}

function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

// First paint: main.ts asks for the first page at start-up, in parallel with /session,
// instead of after it (one round trip fewer before the table shows). The view takes it
// once, if it asked for the same URL; a refused prefetch (signed out) is simply dropped.
let early: { url: string; page: Promise<RunPage> } | null = null;
export function prefetchRuns(): void {
  const params = hashParams();
  const url = runsUrl(Number(params.get("offset") ?? 0), params.get("status") ?? "", params.get("persona") ?? "");
  const page = get<RunPage>(url);
  page.catch(() => undefined);
  early = { url, page };
}
export function dropPrefetchedRuns(): void {
  early = null;
}

function select(id: string, label: string, values: string[], current: string): HTMLSelectElement {
  const el = h("select", { id, "aria-label": label },
    h("option", { value: "" }, `${label}: ${t("any")}`),
    ...values.map((v) => h("option", { value: v, selected: v === current }, v))) as HTMLSelectElement;
  return el;
}

export const runsView: View = (main) => {
  const params = hashParams();
  let offset = Number(params.get("offset") ?? 0);
  // cursors[i]: the `after` of the page i steps past the one first shown (null: by offset).
  let cursors: (string | null)[] = [null];
  const status = select("filter-status", t("status"), STATUSES, params.get("status") ?? "");
  const persona = select("filter-persona", t("persona"), PERSONAS, params.get("persona") ?? "");
  const target = h("input", { id: "filter-target", type: "search", placeholder: t("filterTarget"), "aria-label": t("filterTarget"), value: params.get("target") ?? "" }) as HTMLInputElement;
  const body = h("tbody", { id: "runs-body" });
  const info = h("p", { class: "muted", id: "runs-info", "aria-live": "polite" });
  const prev = h("button", { type: "button", onclick: () => {
    offset = Math.max(0, offset - PAGE);
    if (cursors.length > 1) cursors.pop(); else cursors = [null];
    void load();
  } }, t("prev"));
  const next = h("button", { type: "button", onclick: () => {
    if (!page?.next_cursor) return;
    offset += PAGE;
    cursors.push(page.next_cursor);
    void load();
  } }, t("next"));
  main.append(
    h("h1", {}, t("runs")),
    h("div", { class: "filters" }, status, persona, target),
    h("table", { class: "runs", id: "runs" },
      h("thead", {}, h("tr", {}, ...["status", "persona", "target", "requester", "age"].map((k) => h("th", { scope: "col" }, t(k as never))))),
      body),
    h("div", { class: "pager" }, prev, info, next),
  );
  for (const el of [status, persona]) el.addEventListener("change", () => { offset = 0; cursors = [null]; void load(); });
  target.addEventListener("input", () => render());

  let page: RunPage | null = null;
  function render(): void {
    clear(body);
    const needle = target.value.trim().toLowerCase();
    const items = (page?.items ?? []).filter((run) => !needle || run.target.toLowerCase().includes(needle));
    if (!items.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("noRuns"))));
    for (const run of items) {
      body.append(h("tr", { "data-run-id": run.id, "data-status": run.status },
        h("td", {}, badge(run.status)),
        h("td", {}, run.persona),
        h("td", {}, h("a", { href: `#/runs/${run.id}` }, run.target)),
        h("td", {}, run.requested_by),
        h("td", { title: run.created_at }, age(run.created_at)),
      ));
    }
    if (page) info.textContent = `${offset + 1}–${offset + page.items.length} / ${page.total} ${t("total")} · ${t("live")}`;
    (prev as HTMLButtonElement).disabled = offset === 0;
    (next as HTMLButtonElement).disabled = !page?.next_cursor || offset + page.items.length >= page.total;
  }
  async function load(): Promise<void> {
    const url = runsUrl(offset, status.value, persona.value, cursors[cursors.length - 1]);
    const pending = early?.url === url ? early.page : get<RunPage>(url);
    early = null;
    try {
      page = await pending;
      render();
    } catch (error) {
      info.textContent = `${t("error")}: ${(error as Error).message}`;
    }
  }
  void load();
  const timer = window.setInterval(() => { if (!document.hidden) void load(); }, REFRESH_MS);
  return () => window.clearInterval(timer);
};
