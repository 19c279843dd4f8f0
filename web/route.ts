import type { WebDeps } from "./deps.ts";
import type { Flash, Session } from "./session.ts";
import type { Html } from "./view.ts";

/** What a route handler gets: no Hono context, so handlers stay small and plain. */
export interface Ctx {
  deps: WebDeps;
  session: Session;
  /** Form fields of a POST (strings only, length-capped); empty for GET. */
  form: Record<string, string>;
  query: Record<string, string>;
  /** Flash from the previous POST, taken once. */
  flash: Flash | null;
  /** Full page in the layout, with navigation for `path`. */
  page(title: string, path: string, body: Html, status?: number): Response;
  /** 303 to `path` (POST-redirect-GET), leaving `flash` for the next page. */
  redirect(path: string, flash?: Flash): Response;
}

export interface Route {
  method: "GET" | "POST";
  path: string;
  summary: string;
  handler: (x: Ctx) => Promise<Response>;
}

export type ControlResult = { ok: true; value: unknown } | { ok: false; message: string };

/** Call punchd, turning a thrown error into a message for the page. */
export async function call(
  deps: WebDeps,
  method: string,
  params?: Record<string, unknown>,
): Promise<ControlResult> {
  try {
    return { ok: true, value: await deps.control(method, params) };
  } catch (e) {
    const message = e instanceof Error && e.message
      ? e.message
      : "punchd did not answer; check that it is running (service punch status) and try again";
    return { ok: false, message: message.replace(/[.\s]+$/, "") };
  }
}

/** Flash for a failed action: what failed, why (punchd says what to do), values to show again. */
export function failed(action: string, message: string, values?: Record<string, string>): Flash {
  const f: Flash = { kind: "error", message: `Could not ${action}: ${message}` };
  if (values) f.values = values;
  return f;
}

/** Form field, trimmed. */
export function field(form: Record<string, string>, name: string): string {
  return (form[name] ?? "").trim();
}
