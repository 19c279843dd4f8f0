/**
 * Turn a lab plan into namespaces, veths, bridges, addresses, routes, nftables rulesets and the
 * routers' UCI files; and rebuild a router's fw4 ruleset (like `fw4 reload`).
 */
import { type Fw4Include, fw4Ruleset } from "./fw4_ruleset.ts";
import { includesFromFiles, NFTABLES_D } from "./fw4_includes.ts";
import { upstreamNatRuleset } from "./nat_ruleset.ts";
import { mustRun } from "./netns_deno.ts";
import { hostIn, type LabPlan, type LabSpec, type NodePlan } from "./topology.ts";
import { networkFile, punchFile, shadowFile } from "./uci_files.ts";
import { writeState } from "./lab_state_deno.ts";

/** Port lab STUN hosts listen on. */
export const STUN_PORT = 3478;

/** Create everything in `plan`; the caller tears down on failure. */
export async function buildLab(plan: LabPlan, spec: LabSpec, dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  await writeState(dir, {
    name: spec.name,
    spec,
    plan,
    namespaces: plan.nodes.map((n) => n.ns),
    pids: [],
  });
  await Promise.all(plan.nodes.map((n) => makeNamespace(n)));
  await Promise.all(
    plan.links.map(({ a, b }) =>
      mustRun([
        "ip",
        "-n",
        a.ns,
        "link",
        "add",
        a.dev,
        "type",
        "veth",
        "peer",
        "name",
        b.dev,
        "netns",
        b.ns,
      ])
    ),
  );
  const stun = (spec.internetHosts ?? []).find((h) => h.id === "stun");
  const stunServers = (stun?.addresses ?? []).map((a) => {
    const host = a.split("/")[0]!;
    return host.includes(":") ? `[${host}]:${STUN_PORT}` : `${host}:${STUN_PORT}`;
  });
  for (const n of plan.nodes) {
    if (n.router === undefined) continue;
    const rdir = `${dir}/${n.id}`;
    await Deno.mkdir(`${rdir}/etc/config`, { recursive: true });
    await Deno.mkdir(`${rdir}/run`, { recursive: true });
    await Deno.writeTextFile(
      `${rdir}/etc/config/network`,
      networkFile({ lan: n.router.lan, wan: n.router.wan, wanGateway: n.router.wanGateway }),
    );
    await Deno.writeTextFile(`${rdir}/etc/config/punch`, punchFile({ name: n.id, stunServers }));
    await Deno.writeTextFile(`${rdir}/etc/shadow`, shadowFile(), { mode: 0o600 });
  }
  await Promise.all(plan.nodes.map((n) => configureNode(plan, n, dir)));
}

// One shell per namespace for its sysctls ($1 forwarding, $2 IPv6 off). IPv6 stays disabled
// except in nodes that have it (static addresses: no router advertisements, no DAD wait).
// Bridged LAN traffic must not go through the router's IP firewall, should br_netfilter be
// loaded on this machine.
const SYSCTL_SH = [
  'echo "$1" > /proc/sys/net/ipv4/ip_forward',
  "for c in all default; do",
  '  echo "$2" > /proc/sys/net/ipv6/conf/$c/disable_ipv6',
  '  if [ "$2" = 0 ]; then',
  "    echo 0 > /proc/sys/net/ipv6/conf/$c/accept_ra",
  "    echo 0 > /proc/sys/net/ipv6/conf/$c/accept_dad",
  '    echo "$1" > /proc/sys/net/ipv6/conf/$c/forwarding',
  "  fi",
  "done",
  "f=/proc/sys/net/bridge/bridge-nf-call-iptables",
  'if [ -e "$f" ]; then echo 0 > "$f"; fi',
  "f=/proc/sys/net/bridge/bridge-nf-call-ip6tables",
  'if [ -e "$f" ]; then echo 0 > "$f"; fi',
].join("\n");

async function makeNamespace(n: NodePlan): Promise<void> {
  await mustRun(["ip", "netns", "add", n.ns]);
  await mustRun([
    "ip",
    "netns",
    "exec",
    n.ns,
    "sh",
    "-ec",
    SYSCTL_SH,
    "sh",
    n.forward ? "1" : "0",
    n.ipv6 === true ? "0" : "1",
  ]);
  const batch = [
    "link set lo up",
    ...n.bridges.flatMap((br) => [`link add ${br} type bridge`, `link set ${br} up`]),
  ];
  await mustRun(["ip", "-n", n.ns, "-batch", "-"], { stdin: batch.join("\n") + "\n" });
}

async function configureNode(plan: LabPlan, n: NodePlan, dir: string): Promise<void> {
  const ends = plan.links.flatMap((l) => [l.a, l.b]).filter((e) => e.ns === n.ns);
  const batch = [
    ...ends.flatMap((e) => [
      ...(e.master === undefined ? [] : [`link set ${e.dev} master ${e.master}`]),
      `link set ${e.dev} up`,
    ]),
    ...Object.entries(n.addrs).flatMap(([dev, addrs]) => [
      ...addrs.map((a) => `addr add ${a} dev ${dev}${a.includes(":") ? " nodad" : ""}`),
      `link set ${dev} up`,
    ]),
    ...(n.gateway === undefined ? [] : [`route add default via ${n.gateway}`]),
    ...(n.gateway6 === undefined ? [] : [`route add ::/0 via ${n.gateway6}`]),
    ...(n.routes6 ?? []).map((r) => `route add ${r}`),
  ];
  await mustRun(["ip", "-n", n.ns, "-batch", "-"], { stdin: batch.join("\n") + "\n" });
  if (n.router !== undefined) await loadFirewall(n, `${dir}/${n.id}`);
  else if (n.nat !== undefined) {
    await mustRun(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], {
      stdin: upstreamNatRuleset(n.nat),
    });
  }
}

/** The fw4 ruleset for a router node, with its spec includes and its root's nftables.d files. */
export async function routerRuleset(n: NodePlan, routerDir: string): Promise<string> {
  const r = n.router;
  if (r === undefined) {
    throw new RangeError(`Cannot build a firewall for "${n.id}": it is not a router`);
  }
  const files: { path: string; text: string }[] = [];
  await collect(`${routerDir}/${NFTABLES_D}`, "", files);
  const includes: Fw4Include[] = [...r.firewallIncludes, ...includesFromFiles(files)];
  return fw4Ruleset({
    wanDev: "wan0",
    lanDev: "lan0",
    lanSubnets: [netOf(r.lan)],
    wanSubnets: [netOf(r.wan)],
    acceptWanUdp: r.acceptWanUdp,
    includes,
  });
}

/** A plain Linux router without fw4: masquerade towards the WAN, nothing filtered. */
const PLAIN_RULESET = `table ip lab_nat
delete table ip lab_nat
table ip lab_nat {
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan0" masquerade; }
}
`;

/** Load (or reload, replacing fw4's table atomically) a router's ruleset. */
export async function loadFirewall(n: NodePlan, routerDir: string): Promise<string> {
  const text = n.router?.fw4 === false ? PLAIN_RULESET : await routerRuleset(n, routerDir);
  await Deno.mkdir(`${routerDir}/tmp`, { recursive: true });
  await Deno.writeTextFile(`${routerDir}/tmp/fw4.nft`, text);
  await mustRun(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], { stdin: text });
  return text;
}

async function collect(
  base: string,
  rel: string,
  out: { path: string; text: string }[],
): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [];
    for await (const e of Deno.readDir(rel === "" ? base : `${base}/${rel}`)) entries.push(e);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const e of entries) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) await collect(base, p, out);
    else if (e.isFile) out.push({ path: p, text: await Deno.readTextFile(`${base}/${p}`) });
  }
}

function netOf(cidr: string): string {
  const [addr, p] = cidr.split("/");
  return `${hostIn(`${addr}/${p}`, 0)}/${p}`;
}
