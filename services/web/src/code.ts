// Generated files shown with syntax highlighting (highlight.js, with a small HCL grammar of
// our own since highlight.js ships none) and line numbers, and a line diff (jsdiff).
import hljs from "highlight.js/lib/core";
import yaml from "highlight.js/lib/languages/yaml";
import type { HLJSApi, Language } from "highlight.js";
import { diffLines } from "diff";
import { h } from "./dom";

function hcl(api: HLJSApi): Language {
  return {
    name: "HCL",
    aliases: ["terraform", "tf"],
    keywords: {
      keyword: "resource data module variable output locals provider terraform for_each count depends_on lifecycle dynamic for in if",
      literal: "true false null",
    },
    contains: [
      api.HASH_COMMENT_MODE,
      api.C_LINE_COMMENT_MODE,
      api.C_BLOCK_COMMENT_MODE,
      { className: "string", begin: /"/, end: /"/, contains: [api.BACKSLASH_ESCAPE, { className: "subst", begin: /\$\{/, end: /\}/ }] },
      { className: "string", begin: /<<-?\s*([A-Z]+)/, end: /^\s*[A-Z]+\s*$/ },
      { className: "number", begin: /\b\d+(\.\d+)?\b/ },
      { className: "attr", begin: /\b[a-zA-Z_][\w-]*(?=\s*=)/ },
    ],
  };
}
hljs.registerLanguage("hcl", hcl);
hljs.registerLanguage("yaml", yaml);

export function languageOf(path: string): string | null {
  if (/\.(tf|hcl|tfvars)$/.test(path)) return "hcl";
  if (/\.ya?ml$/.test(path)) return "yaml";
  return null;
}

/** A code block with numbered lines; `mark` highlights a line range (a finding's lines). */
export function codeBlock(path: string, content: string, mark?: [number, number]): HTMLElement {
  const language = languageOf(path);
  const html = language ? hljs.highlight(content, { language, ignoreIllegals: true }).value : null;
  const pre = h("pre", { class: "code", "data-path": path });
  const lines = (html ?? "").split("\n");
  const plain = content.split("\n");
  plain.forEach((line, index) => {
    const number = index + 1;
    const row = h("span", { class: "line", id: `L${number}`, "data-line": number });
    if (mark && number >= mark[0] && number <= mark[1]) row.classList.add("marked");
    row.append(h("span", { class: "ln", "aria-hidden": "true" }, String(number)));
    const code = h("span", { class: "lc" });
    // highlight.js escapes the source; its HTML holds only spans it made.
    if (html !== null) code.innerHTML = lines[index] ?? "";
    else code.textContent = line;
    row.append(code, "\n");
    pre.append(row);
  });
  return pre;
}

export function diffBlock(before: string, after: string): HTMLElement {
  const pre = h("pre", { class: "code diff" });
  for (const part of diffLines(before, after)) {
    const kind = part.added ? "added" : part.removed ? "removed" : "same";
    const sign = part.added ? "+" : part.removed ? "-" : " ";
    for (const line of part.value.replace(/\n$/, "").split("\n")) {
      pre.append(h("span", { class: `line ${kind}` }, `${sign} ${line}\n`));
    }
  }
  return pre;
}
