import { post, type Links, type Me } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

export function loginView(main: HTMLElement, done: (session: { me: Me; links: Links }) => void): void {
  const input = h("input", { type: "password", id: "api-key", name: "api_key", autocomplete: "off", required: true, size: 60 }) as HTMLInputElement;
  const error = h("p", { class: "error", role: "alert", id: "login-error" });
  const form = h("form", { class: "card narrow", id: "login" },
    h("h1", {}, t("signIn")),
    h("label", { for: "api-key" }, t("apiKey")), input,
    h("p", { class: "hint" }, t("apiKeyHint")),
    h("button", { type: "submit" }, t("signIn")), error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const session = await post<{ me: Me; links: Links }>("/session", { api_key: input.value });
      input.value = "";
      done(session);
    } catch (failure) {
      error.textContent = (failure as Error).message;
    }
  });
  main.append(form);
  input.focus();
}

export async function signOut(): Promise<void> {
  await fetch("/session", { method: "DELETE", headers: { "x-mcp-console": "1" }, credentials: "same-origin" });
}
