/** Run `traceroute` (system or busybox) for the first hops towards a host; bounded in time. */

import { MAX_PATH_HOPS, parseTraceroute } from "./path_hops.ts";
import { trackChild } from "../lib/children.ts";

const CANDIDATES = [["traceroute"], ["busybox", "traceroute"]];

/**
 * Hop addresses towards `host` (IPv4), or null when no traceroute is available or it failed.
 * Needs root (raw socket for ICMP); each silent hop costs up to one second, capped by `timeoutMs`.
 * @example await tracePath("203.0.113.3", 3000) // ["10.0.5.1", "100.64.1.1", "203.0.113.3"]
 */
export async function tracePath(
  host: string,
  timeoutMs: number,
): Promise<(string | null)[] | null> {
  for (const argv of CANDIDATES) {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0]!, {
        args: [...argv.slice(1), "-n", "-q", "1", "-w", "1", "-m", String(MAX_PATH_HOPS), host],
        stdout: "piped",
        stderr: "null",
        stdin: "null",
      }).spawn();
      trackChild(child);
    } catch {
      continue; // not installed
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, timeoutMs);
    try {
      const out = await child.output();
      const hops = parseTraceroute(new TextDecoder().decode(out.stdout));
      if (hops.length > 0) return hops;
    } catch {
      /* try the next candidate */
    } finally {
      clearTimeout(timer);
    }
  }
  return null;
}
