import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { encodeQr, qrToSvg } from "../src/lib/qr.ts";

/** Escaped HTML made with the `html` tag; every page helper here is synchronous. */
export type Html = HtmlEscapedString;

/** The `html` tag, typed as synchronous (no value passed in is a Promise). */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return html(strings, ...values) as Html;
}

/** A loosely-typed object from the control API, read defensively. */
export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : {};
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "";
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function fmtBytes(v: unknown): string {
  const n = num(v);
  if (n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let x = n, i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${x} B` : `${x.toFixed(1)} ${units[i]}`;
}

export function fmtAge(sec: number | undefined): string {
  if (sec === undefined) return "never";
  if (sec < 120) return `${Math.round(sec)} s ago`;
  if (sec < 7200) return `${Math.round(sec / 60)} min ago`;
  if (sec < 172800) return `${Math.round(sec / 3600)} h ago`;
  return `${Math.round(sec / 86400)} days ago`;
}

/** A time from the API: unix seconds, unix milliseconds or an ISO string. */
export function fmtTime(v: unknown): string {
  const n = num(v);
  if (n !== undefined && n > 0) {
    const d = new Date(n < 1e12 ? n * 1000 : n);
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }
  return str(v) || "–";
}

/** `host:port` from `{ host, port }` or a plain string. */
export function fmtHostPort(v: unknown): string {
  if (typeof v === "string") return v;
  const o = obj(v);
  const host = str(o.host ?? o.address);
  if (!host) return "";
  const port = str(o.port);
  const shown = host.includes(":") ? `[${host}]` : host;
  return port ? `${shown}:${port}` : host;
}

/** Inline SVG QR code of `text`, or a note when it is too long for one. */
export function qrBlock(text: string): Html {
  try {
    const svg = qrToSvg(encodeQr(text, { ecc: text.length > 600 ? "L" : "M" }), { pixels: 264 });
    return h`<figure class="qr">${raw(svg)}</figure>`;
  } catch {
    return h`<p class="hint">Too long for a QR code: copy the text instead.</p>`;
  }
}

/** Hidden CSRF field for a form. */
export function csrfField(token: string): Html {
  return h`<input type="hidden" name="_csrf" value="${token}">`;
}
