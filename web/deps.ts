/** What the web UI needs from punchd; the lead wires these to the control socket and the login. */
export interface WebDeps {
  /** Call the punchd control API; throws an Error whose message a person can act on. */
  control(method: string, params?: Record<string, unknown>): Promise<unknown>;
  /** The router's login (linux: ROOT/etc/shadow; openwrt: rpcd session login). */
  auth: { login(username: string, password: string): Promise<boolean> };
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** `n` random bytes (default `crypto.getRandomValues`). */
  random?: (n: number) => Uint8Array;
  version: string;
  /**
   * The names and addresses this router answers to (its LAN address, hostname, `hostname.lan`):
   * a request whose Host header names anything else is refused with 421 (DNS rebinding). Unset:
   * no check (tests).
   */
  hosts?: () => readonly string[];
}
