import { errorMessage } from "../lib/errors.ts";

/** How long one name may take (A and AAAA asked at once). */
export const DNS_TIMEOUT_MS = 2000;

/**
 * Resolve a host name with a timeout, IPv4 first. Never throws: a name that does not resolve
 * (no answer in time, NXDOMAIN, no resolver) gives `{ error }` with one line saying why.
 */
export async function resolveName(
  name: string,
  timeoutMs = DNS_TIMEOUT_MS,
  nameServer?: { ipAddr: string; port: number },
): Promise<{ addresses: string[] } | { error: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const ask = (t: "A" | "AAAA") =>
      Deno.resolveDns(name, t, { signal: ac.signal, ...(nameServer ? { nameServer } : {}) }).then(
        (a) => ({ a, e: undefined }),
        (e: unknown) => ({ a: [] as string[], e }),
      );
    const [v4, v6] = await Promise.all([ask("A"), ask("AAAA")]);
    const addresses = [...v4.a, ...v6.a];
    if (addresses.length > 0) return { addresses };
    if (ac.signal.aborted) {
      return { error: `no answer from the DNS resolver within ${timeoutMs} ms` };
    }
    const e = v4.e ?? v6.e;
    return { error: e === undefined ? "the name has no address" : errorMessage(e) };
  } finally {
    clearTimeout(timer);
  }
}
