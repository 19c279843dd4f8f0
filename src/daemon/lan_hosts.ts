import type { UciChange, UciSection } from "../uci/mod.ts";
import { type Endpoint, formatEndpoint, parseEndpoint } from "../lib/net.ts";
import type { AssistHost, AssistRemote } from "../assist/mod.ts";

/** UCI section type for a LAN host in /etc/config/punch. */
export const LANHOST_TYPE = "lanhost";

/** A LAN host as configured (`config lanhost '<name>'`). */
export interface LanHostConfig extends AssistHost {
  /** Remote endpoints named by the user (`list remote 'IP:PORT'`). */
  remotes: Endpoint[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (
  v: unknown,
): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

/** LAN hosts from the `punch` config; a broken section is skipped with a note in `problems`. */
export function readLanHosts(
  sections: readonly UciSection[],
  problems: string[] = [],
): LanHostConfig[] {
  const out: LanHostConfig[] = [];
  for (const s of sections) {
    if (s.type !== LANHOST_TYPE) continue;
    try {
      const address = str(s.options.address);
      if (!address) throw new Error("no address");
      const port = Number(str(s.options.port) ?? "51820");
      const pub = str(s.options.public_port);
      out.push({
        name: s.name,
        address,
        port,
        ...(pub ? { publicPort: Number(pub) } : {}),
        remotes: list(s.options.remote).map((r) => parseEndpoint(r)),
      });
    } catch (e) {
      problems.push(
        `LAN host "${s.name}" in /etc/config/punch is broken (${
          (e as Error).message
        }); fix or remove it`,
      );
    }
  }
  return out;
}

/** Pairs (LAN host, remote endpoint): the user's remotes plus `cardRemotes` for every host. */
export function assistRemotes(
  hosts: readonly LanHostConfig[],
  cardRemotes: readonly Endpoint[],
): AssistRemote[] {
  const seen = new Set<string>();
  const out: AssistRemote[] = [];
  for (const h of hosts) {
    for (const remote of [...h.remotes, ...cardRemotes]) {
      const key = `${h.name}|${formatEndpoint(remote)}`;
      if (!seen.has(key)) (seen.add(key), out.push({ host: h.name, remote }));
    }
  }
  return out;
}

/** Changes that make `config lanhost '<name>'` hold this host (named section, commit style). */
export function lanHostChanges(sections: readonly UciSection[], h: LanHostConfig): UciChange[] {
  const values = {
    address: h.address,
    port: String(h.port),
    ...(h.publicPort ? { public_port: String(h.publicPort) } : {}),
    ...(h.remotes.length ? { remote: h.remotes.map(formatEndpoint) } : {}),
  };
  const existing = sections.some((s) => s.type === LANHOST_TYPE && s.name === h.name);
  return [...(existing ? [{ op: "delete", section: h.name } as UciChange] : []), {
    op: "add",
    type: LANHOST_TYPE,
    name: h.name,
    values,
  }];
}
