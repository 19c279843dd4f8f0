/**
 * Child processes punchd runs right now (`exec`, `ip monitor`, `traceroute`), so that none
 * outlives it: punchd kills what is left on its way out, even when it stops at a deadline.
 * No I/O here; the callers pass their `Deno.ChildProcess`.
 */
export interface KillableChild {
  kill(signal?: "SIGKILL" | "SIGTERM"): void;
  readonly status: Promise<unknown>;
}

const children = new Set<KillableChild>();

/** Keep `child` in the set `killChildren` kills; it leaves the set when it exits. */
export function trackChild(child: KillableChild): void {
  children.add(child);
  child.status.finally(() => children.delete(child)).catch(() => {});
}

/** SIGKILL every tracked child still running. */
export function killChildren(): void {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
  }
  children.clear();
}

/** How many tracked children run now (tests). */
export function childCount(): number {
  return children.size;
}
