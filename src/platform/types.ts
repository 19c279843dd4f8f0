import type { UciChange, UciSection } from "../uci/mod.ts";
import type { WgDesired } from "../wg/wg_desired.ts";
import type { WgDump } from "../wg/wg_dump.ts";
import type { ReachedPrefix } from "../peer/route_policy.ts";

/** UCI configs, read and changed as a whole (linux: files under --root; openwrt: rpcd `uci`). */
export interface ConfigBackend {
  /** Sections of one config (`network`, `punch`, `firewall`); a missing config is empty. */
  load(config: string): Promise<UciSection[]>;
  /** Apply changes atomically: all of them or none. */
  commit(config: string, changes: UciChange[]): Promise<void>;
  /** A warning to show in status (e.g. a rolled-back apply), or null. */
  readonly lastProblem: string | null;
}

/** The live WireGuard interface. */
export interface WireguardBackend {
  /** Bring the interface to the desired state; returns how many changes were made. */
  apply(want: WgDesired): Promise<number>;
  /** `wg show <if> dump`, or null when the interface does not exist. */
  dump(ifname: string): Promise<WgDump | null>;
  /** What the last `apply` could not do (e.g. a route the router has already), for status. */
  readonly problems?: readonly string[];
  /** Remove the interface (used on shutdown of a lab and on uninstall). */
  remove(ifname: string): Promise<void>;
}

/** What peers may reach on the router itself through the tunnel. */
export interface TunnelPolicy {
  input: "accept" | "restricted";
  /** Punch's UDP control port (admitted from the tunnel when restricted). */
  controlPort: number;
}

/** Firewall rules Punch owns, each kept under a name so it can be replaced or removed exactly. */
export interface FirewallBackend {
  /** Admit UDP to `port` from the WAN side (null removes the rule). */
  allowWanUdp(name: string, port: number | null): Promise<void>;
  /**
   * Put the tunnel interface in its own zone with forwarding to and from the LAN device (null
   * removes the zone). Input from it: everything (`accept`), or only ping and UDP to
   * `controlPort` (`restricted`, the rest refused).
   */
  allowTunnel(ifname: string | null, lanDevice: string | null, input?: TunnelPolicy): Promise<void>;
  /**
   * Where Punch's rules go: "fw4" (inside fw4's table, the default when absent) or "own" (no fw4:
   * a table of Punch's own with base chains).
   */
  flavour?(): Promise<"fw4" | "own">;
  /** Replace the nftables text Punch keeps under `name` (null removes it). */
  setRules(name: string, nft: string | null): Promise<void>;
  /**
   * The relay's rules in fw4's chains (empty lists remove them): `input` for `input_wan` (the
   * relay ports while it learns each side's address), `forward` for `forward_wan` (relayed flows).
   */
  allowRelay(input: readonly string[], forward: readonly string[]): Promise<void>;
}

export interface WanState {
  device?: string;
  /** IPv4 address on the WAN device, without prefix. */
  address?: string;
  /** Global IPv6 addresses on the WAN device. */
  v6: string[];
}

/** Network state of the router outside WireGuard. */
export interface SystemBackend {
  wan(): Promise<WanState>;
  /** LAN IPv4 address (where the web UI listens), or undefined. */
  lanAddress(): Promise<string | undefined>;
  /**
   * Prefixes the router reaches without the tunnel: interface subnets and routes on every
   * device except `tunnelDevice` (default routes included as such; the route policy drops them).
   */
  reached(tunnelDevice: string): Promise<ReachedPrefix[]>;
  /** Call `onChange` soon after a WAN address change; stop with `close`. */
  watchWan(onChange: () => void): { close(): void };
  /** Run a program (nft, conntrack, ...) in the router's context. */
  exec(argv: string[], stdin?: string): Promise<ExecResult>;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The router's own login, for the web UI (linux: `<root>/etc/shadow`; openwrt: rpcd `session login`). */
export interface AuthBackend {
  login(username: string, password: string): Promise<boolean>;
}

/** Everything that differs between OpenWrt and plain Linux, chosen once at start-up. */
export interface Platform {
  readonly name: "linux" | "openwrt";
  /** Prefix for every path punchd reads or writes ("" on a real router). */
  readonly root: string;
  readonly config: ConfigBackend;
  readonly wg: WireguardBackend;
  readonly firewall: FirewallBackend;
  readonly system: SystemBackend;
  readonly auth: AuthBackend;
  close(): Promise<void>;
}
