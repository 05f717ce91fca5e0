// A new request: in words (parsed by the server's intent parser, previewed before submitting)
// or as a structured DeploymentIntent. Either way the run is made by POST /api/v1/requests.
import { ApiError, post } from "../api";
import { clear, h } from "../dom";
import { t } from "../i18n";
import type { View } from "../main";

interface Parsed {
  language: string; kind: string; persona: string;
  understood: Record<string, unknown>;
  defaulted: { field: string; value: unknown; source: string }[];
  missing: { field: string; question: string; choices: string[] }[];
  ignored: string[];
  intent: unknown | null;
}

const EXAMPLE_INTENT = {
  action: "provision", cloud: "aws", region: "ap-northeast-2", stack: "app-logs",
  buckets: [{ name: "mcp-app-logs-apne2", purpose: "Application logs", versioning: true }],
};

function personaSelect(id: string): HTMLSelectElement {
  return h("select", { id, "aria-label": t("persona") },
    ...["devops", "security", "sre"].map((p) => h("option", { value: p }, p))) as HTMLSelectElement;
}

function parsedView(parsed: Parsed): HTMLElement {
  const list = (title: string, rows: [string, string][], cls: string) =>
    rows.length ? h("section", { class: cls }, h("h3", {}, title),
      h("dl", {}, ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))) : null;
  return h("div", { id: "parsed", class: "card" },
    list(t("understood"), Object.entries(parsed.understood).map(([k, v]) => [k, JSON.stringify(v)]), "understood"),
    list(t("defaulted"), parsed.defaulted.map((d) => [d.field, `${JSON.stringify(d.value)} — ${d.source}`]), "defaulted"),
    list(t("missing"), parsed.missing.map((m) => [m.field, m.question + (m.choices.length ? ` (${m.choices.join(", ")})` : "")]), "missing"),
    list(t("ignored"), parsed.ignored.map((i) => [i, ""]), "ignored"),
  );
}

function errorView(error: unknown): HTMLElement {
  const el = h("div", { class: "error", role: "alert", id: "request-error" }, (error as Error).message);
  if (error instanceof ApiError && error.body && typeof error.body === "object") {
    const body = error.body as { errors?: { field: string; message: string }[]; missing?: { field: string; question: string }[] };
    const rows = [...(body.errors ?? []).map((e) => `${e.field}: ${e.message}`), ...(body.missing ?? []).map((m) => `${m.field}: ${m.question}`)];
    if (rows.length) el.append(h("ul", {}, ...rows.map((r) => h("li", {}, r))));
  }
  return el;
}

export const requestView: View = (main) => {
  const out = h("div", { id: "request-out", "aria-live": "polite" });
  const text = h("textarea", { id: "request-text", rows: 3, cols: 80, "aria-label": t("requestText"), placeholder: "AWS EKS 클러스터에 Nginx 배포하고 ArgoCD로 관리해줘" }) as HTMLTextAreaElement;
  const textPersona = personaSelect("text-persona");
  const intentBox = h("textarea", { id: "intent-json", rows: 14, cols: 80, "aria-label": t("intentJson"), spellcheck: "false" }) as HTMLTextAreaElement;
  intentBox.value = JSON.stringify(EXAMPLE_INTENT, null, 2);
  const formPersona = personaSelect("form-persona");

  const submitted = (run: { id: string }) => { location.hash = `#/runs/${run.id}`; };
  const preview = async () => {
    clear(out);
    try {
      out.append(parsedView(await post<Parsed>("/api/v1/intents/parse", { text: text.value, persona: textPersona.value })));
    } catch (error) {
      out.append(error instanceof ApiError && error.status === 404 ? h("p", { class: "error" }, t("parserUnavailable")) : errorView(error));
    }
  };
  const submitText = async (event: Event) => {
    event.preventDefault();
    clear(out);
    try { submitted(await post<{ id: string }>("/api/v1/requests", { text: text.value, persona: textPersona.value })); }
    catch (error) { out.append(errorView(error)); }
  };
  const submitIntent = async (event: Event) => {
    event.preventDefault();
    clear(out);
    let intent: unknown;
    try { intent = JSON.parse(intentBox.value); }
    catch (error) { out.append(h("p", { class: "error", role: "alert" }, `${t("invalidJson")}: ${(error as Error).message}`)); return; }
    try { submitted(await post<{ id: string }>("/api/v1/requests", { intent, persona: formPersona.value })); }
    catch (error) { out.append(errorView(error)); }
  };

  main.append(
    h("h1", {}, t("newRequest")),
    h("form", { class: "card", id: "text-form", onsubmit: submitText },
      h("h2", {}, t("textMode")),
      h("label", { for: "request-text" }, t("requestText")), text,
      h("div", { class: "row" }, textPersona,
        h("button", { type: "button", id: "preview", onclick: preview }, t("preview")),
        h("button", { type: "submit", id: "submit-text" }, t("submit")))),
    h("form", { class: "card", id: "intent-form", onsubmit: submitIntent },
      h("h2", {}, t("formMode")),
      h("label", { for: "intent-json" }, t("intentJson")), intentBox,
      h("div", { class: "row" }, formPersona, h("button", { type: "submit", id: "submit-intent" }, t("submit")))),
    out,
  );
  text.focus();
};
