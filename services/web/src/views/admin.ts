// Admin: config items by scope (secrets stay masked; rotate; audit trail), API keys, target locks.
import { get, post } from "../api";
import { age, clear, h } from "../dom";
import { t } from "../i18n";
import type { View } from "../main";

interface Item {
  id: number; key: string; scope: Record<string, string | null>; value: unknown; redacted: boolean; is_secret: boolean;
  enabled: boolean; version: number; secret_version: number | null; updated_by: string | null; updated_at: string;
}
interface Audit { id: number; action: string; actor: string | null; diff: unknown; created_at: string }
interface Key { id: number; name: string; role?: string; prefix?: string; principal?: string; principal_name?: string; revoked_at?: string | null; created_at?: string; last_used_at?: string | null }
interface Lock { target: string; run_id: string; run_status: string; requested_by: string; acquired_at: string }

function scopeText(scope: Record<string, string | null>): string {
  const parts = Object.entries(scope).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(" ") : "global";
}

function configSection(): HTMLElement {
  const prefix = h("input", { id: "config-prefix", type: "search", placeholder: t("prefix"), "aria-label": t("prefix") }) as HTMLInputElement;
  const body = h("tbody", {});
  const audit = h("div", { id: "config-audit" });
  const error = h("p", { class: "error", role: "alert" });
  const load = async () => {
    error.textContent = "";
    try {
      const items = await get<Item[]>(`/api/v1/config?prefix=${encodeURIComponent(prefix.value)}`);
      clear(body).append(...items.map((item) => h("tr", { "data-key": item.key, "data-secret": String(item.is_secret) },
        h("td", {}, h("code", {}, item.key)), h("td", {}, scopeText(item.scope)),
        h("td", { class: "value" }, item.redacted || item.is_secret ? h("span", { class: "masked" }, `•••••• (${t("secret")} v${item.secret_version ?? "?"})`) : JSON.stringify(item.value)),
        h("td", {}, String(item.version)), h("td", {}, `${item.updated_by ?? ""} ${age(item.updated_at)}`),
        h("td", {},
          item.is_secret ? h("button", { type: "button", class: "rotate", onclick: async () => {
            try { await post(`/api/v1/config/${item.id}/rotate`, { version: item.version }); await load(); }
            catch (failure) { error.textContent = (failure as Error).message; } } }, t("rotate")) : null,
          h("button", { type: "button", class: "secondary audit", onclick: async () => {
            const rows = await get<Audit[]>(`/api/v1/config/${item.id}/audit`);
            clear(audit).append(h("h3", {}, `${t("audit")}: ${item.key}`), h("ul", {}, ...rows.map((r) =>
              h("li", {}, `${r.created_at} · ${r.action} · ${r.actor ?? ""} · ${JSON.stringify(r.diff)}`))));
          } }, t("audit"))))));
    } catch (failure) { error.textContent = (failure as Error).message; }
  };
  prefix.addEventListener("change", () => void load());
  void load();
  return h("section", { class: "card", id: "config" }, h("h2", {}, t("config")), h("div", { class: "row" }, prefix,
    h("button", { type: "button", onclick: () => void load() }, t("load"))), error,
    h("table", {}, h("thead", {}, h("tr", {}, ...["key", "scope", "value", "version", "updated", ""].map((k) => h("th", { scope: "col" }, k ? t(k as never) : "")))), body), audit);
}

function keysSection(): HTMLElement {
  const body = h("tbody", {});
  const error = h("p", { class: "error", role: "alert" });
  const created = h("div", { id: "key-created", "aria-live": "polite" });
  const name = h("input", { id: "key-name", "aria-label": t("name"), placeholder: t("name"), required: true }) as HTMLInputElement;
  const principal = h("input", { id: "key-principal", "aria-label": "principal", placeholder: "principal" }) as HTMLInputElement;
  const role = h("select", { id: "key-role", "aria-label": t("role") }, ...["viewer", "requester", "approver", "admin"].map((r) => h("option", { value: r }, r))) as HTMLSelectElement;
  const load = async () => {
    try {
      const keys = await get<Key[] | { items: Key[] }>("/api/v1/keys");
      const list = Array.isArray(keys) ? keys : keys.items;
      clear(body).append(...list.map((key) => h("tr", { "data-key-name": key.name },
        h("td", {}, key.name), h("td", {}, key.principal_name ?? key.principal ?? ""), h("td", {}, key.role ?? ""),
        h("td", {}, h("code", {}, key.prefix ?? "")), h("td", {}, key.revoked_at ? t("revoked") : age(key.last_used_at ?? key.created_at)),
        h("td", {}, key.revoked_at ? null : h("button", { type: "button", class: "secondary revoke", onclick: async () => {
          try { await post(`/api/v1/keys/${key.id}/revoke`); await load(); } catch (failure) { error.textContent = (failure as Error).message; } } }, t("revoke"))))));
    } catch (failure) { error.textContent = (failure as Error).message; }
  };
  const form = h("form", { class: "row", onsubmit: async (event: Event) => {
    event.preventDefault(); error.textContent = ""; clear(created);
    try {
      const made = await post<{ key: string }>("/api/v1/keys", { name: name.value, role: role.value, ...(principal.value ? { principal: principal.value } : {}) });
      created.append(h("p", {}, t("newKeyOnce"), " ", h("code", { id: "new-key" }, made.key)));
      await load();
    } catch (failure) { error.textContent = (failure as Error).message; }
  } }, name, principal, role, h("button", { type: "submit" }, t("create")));
  void load();
  return h("section", { class: "card", id: "keys" }, h("h2", {}, t("keys")), form, created, error,
    h("table", {}, h("thead", {}, h("tr", {}, ...["name", "principal", "role", "prefix", "age", ""].map((k) => h("th", { scope: "col" }, k === "principal" ? "principal" : k ? t(k as never) : "")))), body));
}

function locksSection(): HTMLElement {
  const box = h("div", { id: "locks-body" });
  void get<Lock[]>("/api/v1/locks").then((locks) => {
    if (!locks.length) { box.append(h("p", { class: "muted" }, t("noLocks"))); return; }
    box.append(h("table", {}, h("thead", {}, h("tr", {}, ...["target", "run", "status", "requester", "acquired"].map((k) => h("th", { scope: "col" }, t(k as never))))),
      h("tbody", {}, ...locks.map((l) => h("tr", {}, h("td", {}, l.target), h("td", {}, h("a", { href: `#/runs/${l.run_id}` }, l.run_id.slice(0, 8))),
        h("td", {}, l.run_status), h("td", {}, l.requested_by), h("td", {}, age(l.acquired_at)))))));
  }).catch((failure) => box.append(h("p", { class: "error" }, (failure as Error).message)));
  return h("section", { class: "card", id: "locks" }, h("h2", {}, t("locks")), box);
}

export const adminView: View = (main) => {
  main.append(h("h1", {}, t("admin")), configSection(), keysSection(), locksSection());
};
