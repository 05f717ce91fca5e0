// The console: hash routes (#/runs, #/runs/<id>, #/request, #/admin), one view at a time.
import "./style.css";
import { ApiError, allows, get, type Links, type Me } from "./api";
import { clear, h } from "./dom";
import { currentLang, t, toggleLang } from "./i18n";
import { loginView, signOut } from "./views/login";
import { dropPrefetchedRuns, prefetchRuns, runsView } from "./views/runs";
import { requestView } from "./views/request";
import { adminView } from "./views/admin";

export interface Session {
  me: Me;
  links: Links;
}
export type View = (main: HTMLElement, session: Session, arg: string) => (() => void) | void;

const top = document.getElementById("top") as HTMLElement;
const main = document.getElementById("main") as HTMLElement;
let session: Session | null = null;
let cleanup: (() => void) | void = undefined;
let routing = 0;  // the latest route() call; an older one that resumes after an await stops

function header(): void {
  clear(top);
  document.title = t("title");
  document.documentElement.lang = currentLang();
  const nav = h("nav", { "aria-label": "main" },
    h("a", { href: "#/runs", class: "brand" }, "MCP Cloud"),
  );
  if (session) {
    nav.append(h("a", { href: "#/runs" }, t("runs")));
    if (allows(session.me, "requester")) nav.append(h("a", { href: "#/request" }, t("newRequest")));
    if (allows(session.me, "admin")) nav.append(h("a", { href: "#/admin" }, t("admin")));
    nav.append(h("a", { href: session.links.docs, target: "_blank", rel: "noopener" }, t("apiDocs")));
    nav.append(h("a", { href: session.links.flower, target: "_blank", rel: "noopener" }, t("flower")));
    if (session.links.graph) nav.append(h("a", { href: session.links.graph, target: "_blank", rel: "noopener" }, t("graph")));
  }
  const right = h("div", { class: "who" });
  if (session) {
    right.append(
      h("span", { id: "whoami", "data-name": session.me.name, "data-role": session.me.role },
        `${t("signedInAs")} `, h("strong", {}, session.me.name), " · ", h("span", { class: "role" }, session.me.role)),
      h("button", { type: "button", id: "sign-out", onclick: async () => { await signOut(); session = null; location.hash = "#/login"; route(); } }, t("signOut")),
    );
  }
  right.append(h("button", { type: "button", id: "lang", onclick: () => { toggleLang(); route(); } }, t("language")));
  top.append(nav, right);
}

const VIEWS: Record<string, View> = { runs: runsView, request: requestView, admin: adminView };

async function route(): Promise<void> {
  const generation = ++routing;
  if (cleanup) cleanup();
  cleanup = undefined;
  const [, name = "runs", arg = ""] = location.hash.split("?")[0].split("/");
  if (session === null) {
    if (name === "runs" && !arg) prefetchRuns();  // in parallel with /session, not after it
    try {
      session = await get<Session>("/session");
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    if (generation !== routing) return;
  }
  header();
  clear(main);
  if (session === null) {
    dropPrefetchedRuns();  // it was refused too; after sign-in the view asks again
    loginView(main, (signedIn) => { session = signedIn; location.hash = "#/runs"; route(); });
    return;
  }
  if (name === "runs" && arg) {
    // The run page (and highlight.js + jsdiff with it) is its own chunk, loaded when first
    // opened, so the runs list's first paint does not wait for code it does not use.
    const { runView } = await import("./views/run");
    if (generation !== routing) return;
    cleanup = runView(main, session, decodeURIComponent(arg));
  }
  else cleanup = (VIEWS[name] ?? runsView)(main, session, arg);
}

window.addEventListener("hashchange", () => void route());
void route();
