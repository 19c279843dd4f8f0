/** Public port allocation for LAN hosts: keep the host's own port when free, else the next free one. */

/** Lowest public port handed out; below it are well-known services. */
export const MIN_PUBLIC_PORT = 1024;
/** Highest UDP port. */
export const MAX_PUBLIC_PORT = 65535;

/** What the allocator must avoid. */
export interface PortConstraints {
  /** Public ports already given to other LAN hosts. */
  readonly taken: Iterable<number>;
  /** Ports the router itself listens on (its own WireGuard, STUN, port forwards). */
  readonly reserved?: Iterable<number>;
}

/**
 * The public port for a LAN host that listens on `lanPort`: `lanPort` itself when no other host
 * and no router service has it (port preservation), else the next free port above it, wrapping
 * from 65535 to 1024. Deterministic: the same inputs give the same port.
 * @example allocatePublicPort(51820, { taken: [51820], reserved: [51821] }) // 51822
 */
export function allocatePublicPort(lanPort: number, constraints: PortConstraints): number {
  if (!Number.isInteger(lanPort) || lanPort < 1 || lanPort > MAX_PUBLIC_PORT) {
    throw new RangeError(`Cannot allocate a public port for LAN port "${lanPort}": use 1 to 65535`);
  }
  const busy = new Set<number>([...constraints.taken, ...(constraints.reserved ?? [])]);
  const span = MAX_PUBLIC_PORT - MIN_PUBLIC_PORT + 1;
  const start = lanPort < MIN_PUBLIC_PORT ? MIN_PUBLIC_PORT : lanPort;
  for (let i = 0; i < span; i++) {
    const port = MIN_PUBLIC_PORT + ((start - MIN_PUBLIC_PORT + i) % span);
    if (!busy.has(port)) return port;
  }
  throw new RangeError("Cannot allocate a public port: all ports from 1024 to 65535 are in use");
}

/** A LAN host as the allocator sees it. */
export interface PortedHost {
  readonly name: string;
  readonly port: number;
  readonly publicPort?: number;
}

/**
 * Public ports for a list of hosts, in order: hosts that already have one keep it (when it
 * clashes with an earlier host or a reserved port it is reallocated), the others get one from
 * {@link allocatePublicPort}. Returns a map from host name to public port.
 */
export function assignPublicPorts(
  hosts: readonly PortedHost[],
  reserved: Iterable<number> = [],
): Map<string, number> {
  const reservedSet = new Set(reserved);
  const out = new Map<string, number>();
  const taken = new Set<number>();
  // Fixed ports first so that a new host never steals the port an existing host already published.
  for (const h of hosts) {
    const p = h.publicPort;
    if (p !== undefined && !taken.has(p) && !reservedSet.has(p) && p >= 1 && p <= MAX_PUBLIC_PORT) {
      out.set(h.name, p);
      taken.add(p);
    }
  }
  for (const h of hosts) {
    if (out.has(h.name)) continue;
    const p = allocatePublicPort(h.port, { taken, reserved: reservedSet });
    out.set(h.name, p);
    taken.add(p);
  }
  return out;
}
