/**
 * Headers on every response: no scripts at all, no framing, no sniffing, no referrer to other
 * sites. ("no-referrer" would make Chromium send `Origin: null` on our own form posts.)
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** Compare two secrets without stopping at the first difference. */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Whether a POST's `Origin` (when the browser sent one) is this very site; blocks cross-site
 * form posts and DNS-rebinding pages before any token is looked at.
 */
export function sameOrigin(origin: string | undefined, requestUrl: string): boolean {
  if (origin === undefined) return true;
  try {
    const o = new URL(origin), r = new URL(requestUrl);
    return o.protocol === r.protocol && o.host === r.host;
  } catch {
    return false;
  }
}

/** A local path to go back to after signing in; anything else becomes "/". */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[A-Za-z0-9/_.\-]*(\?[A-Za-z0-9=&%_.\-]*)?$/.test(next) ? next : "/";
}

/**
 * The host part of a Host header, lowercased, without port or IPv6 brackets; undefined when it
 * is missing or not a plain host.
 * @example hostOf("Router.LAN:8451") // "router.lan"
 */
export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, "") : undefined;
}

/** Whether `header` names one of `allowed` (names compared without case, ports ignored). */
export function allowedHost(header: string | undefined, allowed: readonly string[]): boolean {
  const h = hostOf(header);
  return h !== undefined && allowed.some((a) => a.toLowerCase().replace(/\.$/, "") === h);
}
