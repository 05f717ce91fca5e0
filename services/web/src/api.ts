// Calls to this origin only: /session (sign-in) and /api (forwarded to the gateway's public API).
// State-changing calls carry the console header the server requires (CSRF defence).

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: unknown) {
    super(message);
  }
}

export interface Me {
  name: string;
  role: "viewer" | "requester" | "approver" | "admin";
  id?: number;
  kind?: string;
  key_name?: string;
}

export interface Links {
  flower: string;
  docs: string;
  graph: string | null;
}

const ROLE_ORDER = ["viewer", "requester", "approver", "admin"];
export function allows(me: Me, role: Me["role"]): boolean {
  return ROLE_ORDER.indexOf(me.role) >= ROLE_ORDER.indexOf(role);
}

function message(body: unknown, status: number): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (detail && typeof detail === "object" && "message" in detail) return String((detail as { message: unknown }).message);
    return JSON.stringify(detail);
  }
  return `HTTP ${status}`;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-mcp-console"] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin",
  });
  const type = response.headers.get("content-type") ?? "";
  const parsed: unknown = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, message(parsed, response.status), parsed);
  return parsed as T;
}

export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => call<T>("POST", path, body ?? {});

export async function text(path: string): Promise<string> {
  const response = await fetch(path, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, `HTTP ${response.status}`, null);
  return response.text();
}
