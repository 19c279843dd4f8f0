/**
 * Lab topology: from a `LabSpec` to a plan of namespaces, links, addresses and routes. Sans-I/O;
 * `netns_deno.ts` turns the plan into `ip`/`nft` commands.
 */
import { intToIpv4, ipv4ToInt, parseCidr } from "../../src/lib/net.ts";
import type { Fw4Include } from "./fw4_ruleset.ts";

/**
 * One NAT in front of a router, innermost first; `inside` is the network it hands out. Routers
 * whose outermost layer names the same `shared` id sit behind one NAT box (e.g. one CGNAT).
 */
export interface NatLayer {
  kind: "cone" | "symmetric";
  inside: string;
  /** Node id of a NAT shared with other routers; only allowed on the outermost layer. */
  shared?: string;
}

export interface RouterSpec {
  id: string;
  /** The router's own WAN address (CIDR); default 203.0.113.<10·(index+1)>/24, or .2 inside an upstream. */
  wan?: string;
  /** The router's LAN address (CIDR); default 192.168.<index+1>.1/24. */
  lan?: string;
  /** Number of LAN hosts (default 1). */
  hosts?: number;
  upstream?: NatLayer[];
  acceptWanUdp?: number[];
  /** Extra nft text at fw4 include points (also read from `<root>/usr/share/nftables.d/`). */
  firewallIncludes?: Fw4Include[];
  /** false: a plain Linux router without fw4 (masquerade only, nothing filtered). Default true. */
  fw4?: boolean;
  /** Public address of the outermost upstream NAT (default 203.0.113.<10·(index+1)>/24). */
  publicAddress?: string;
}

/** A host directly on the internet, e.g. `{id:"stun", addresses:["203.0.113.3/24","203.0.113.4/24"]}`. */
export interface InternetHostSpec {
  id: string;
  addresses: string[];
}

export interface LabSpec {
  name: string;
  dir?: string;
  routers: RouterSpec[];
  internetHosts?: InternetHostSpec[];
  /** The internet prefix with the gateway address (default 203.0.113.1/24). */
  internet?: string;
}

export type NodeKind = "inet" | "router" | "host" | "upstream" | "internet-host";

/** One namespace: its lab id, name, interfaces with addresses, default gateway and NAT role. */
export interface NodePlan {
  id: string;
  ns: string;
  kind: NodeKind;
  /** Interface name → addresses (CIDR). */
  addrs: Record<string, string[]>;
  gateway?: string;
  /** Bridge interfaces to create in this namespace. */
  bridges: string[];
  forward: boolean;
  /** Set for upstream NATs. */
  nat?: { kind: NatLayer["kind"]; insideDev: string; outsideDev: string };
  /** Set for routers. */
  router?: RouterPlan;
}

export interface RouterPlan {
  wan: string;
  wanGateway: string;
  lan: string;
  hostIds: string[];
  upstreamIds: string[];
  acceptWanUdp: number[];
  firewallIncludes: Fw4Include[];
  fw4: boolean;
  /** The address the internet sees (outermost public address). */
  publicAddress: string;
}

/** A veth pair; `master` enslaves that end to a bridge in its namespace. */
export interface LinkPlan {
  a: { ns: string; dev: string; master?: string };
  b: { ns: string; dev: string; master?: string };
}

export interface LabPlan {
  name: string;
  nodes: NodePlan[];
  links: LinkPlan[];
}

const ID = /^[a-z][a-z0-9]{0,7}$/;

/** The namespace name for a lab id. */
export function nsName(lab: string, kind: NodeKind, id: string): string {
  switch (kind) {
    case "inet":
      return `${lab}-inet`;
    case "router":
      return `${lab}-r${id}`;
    case "host":
      return `${lab}-h${id}`;
    case "upstream":
      return `${lab}-u${id}`;
    case "internet-host":
      return `${lab}-i${id}`;
  }
}

/** Check a spec and lay out every namespace, link and address. */
export function planLab(spec: LabSpec): LabPlan {
  if (!/^[a-z][a-z0-9]{0,11}$/.test(spec.name)) {
    throw new RangeError(`Cannot use lab name "${spec.name}": use 1-12 lowercase letters/digits`);
  }
  const inetCidr = parseCidr(spec.internet ?? "203.0.113.1/24");
  const gw = inetCidr.address;
  const inet: NodePlan = {
    id: "inet",
    ns: nsName(spec.name, "inet", "inet"),
    kind: "inet",
    addrs: { br0: [`${gw}/${inetCidr.prefix}`] },
    bridges: ["br0"],
    forward: true,
  };
  const nodes: NodePlan[] = [inet];
  const links: LinkPlan[] = [];
  const seen = new Set<string>(["inet"]);
  const shared = new Map<string, SharedNat>();
  const claim = (id: string) => {
    if (seen.has(id)) {
      throw new RangeError(`Cannot use id "${id}" twice: give each node its own id`);
    }
    seen.add(id);
  };
  spec.routers.forEach((r, i) => {
    if (!ID.test(r.id)) {
      throw new RangeError(`Cannot use router id "${r.id}": use 1-8 lowercase letters/digits`);
    }
    claim(r.id);
    const defaultPublic = `${
      hostIn(spec.internet ?? "203.0.113.0/24", 10 * (i + 1))
    }/${inetCidr.prefix}`;
    const ups = r.upstream ?? [];
    let publicAddress = ups.length > 0
      ? (r.publicAddress ?? defaultPublic)
      : (r.wan ?? defaultPublic);
    // Outermost first: each upstream's outside sits in the next layer's inside (or the internet).
    let outside: Outside = {
      ns: inet.ns,
      gw,
      addr: publicAddress,
      bridge: "br0",
      port: `r-${r.id}`,
    };
    const upstreamIds: string[] = [];
    for (let k = ups.length - 1; k >= 0; k--) {
      const layer = ups[k]!;
      if (layer.shared !== undefined && k !== ups.length - 1) {
        throw new RangeError(
          `Cannot share upstream "${layer.shared}" of router "${r.id}": only the outermost layer can be shared`,
        );
      }
      const prior = layer.shared === undefined ? undefined : shared.get(layer.shared);
      if (prior !== undefined) {
        if (prior.kind !== layer.kind || prior.inside !== layer.inside) {
          throw new RangeError(
            `Cannot share upstream "${layer.shared}": routers give it different kind or inside`,
          );
        }
        upstreamIds.unshift(prior.node.id);
        publicAddress = prior.publicAddress;
        outside = insideOf(prior.node, layer.inside, ++prior.count);
        continue;
      }
      const id = layer.shared ?? `${r.id}-up${k}`;
      if (!ID.test(id.replace("-up", ""))) {
        throw new RangeError(`Cannot use upstream id "${id}": use 1-8 lowercase letters/digits`);
      }
      claim(id);
      upstreamIds.unshift(id);
      const ns = nsName(spec.name, "upstream", layer.shared ?? `${r.id}${k}`);
      const node: NodePlan = {
        id,
        ns,
        kind: "upstream",
        bridges: ["in0"],
        forward: true,
        gateway: outside.gw,
        addrs: {
          out0: [outside.addr],
          in0: [`${hostIn(layer.inside, 1)}/${parseCidr(layer.inside).prefix}`],
        },
        nat: { kind: layer.kind, insideDev: "in0", outsideDev: "out0" },
      };
      nodes.push(node);
      links.push({
        a: { ns: outside.ns, dev: outside.port, master: outside.bridge },
        b: { ns, dev: "out0" },
      });
      if (layer.shared !== undefined) {
        shared.set(layer.shared, {
          node,
          kind: layer.kind,
          inside: layer.inside,
          publicAddress,
          count: 1,
        });
      }
      outside = insideOf(node, layer.inside, 1);
    }
    const wan = ups.length > 0 ? (r.wan ?? outside.addr) : publicAddress;
    const lan = r.lan ?? `192.168.${i + 1}.1/24`;
    const lanCidr = parseCidr(lan);
    const ns = nsName(spec.name, "router", r.id);
    const hostIds: string[] = [];
    const count = r.hosts ?? 1;
    if (!Number.isInteger(count) || count < 0 || count > 50) {
      throw new RangeError(`Cannot give router "${r.id}" ${count} hosts: use 0 to 50`);
    }
    for (let n = 1; n <= count; n++) {
      const hid = `${r.id}${n}`;
      claim(hid);
      hostIds.push(hid);
      const hns = nsName(spec.name, "host", hid);
      nodes.push({
        id: hid,
        ns: hns,
        kind: "host",
        bridges: [],
        forward: false,
        gateway: lanCidr.address,
        addrs: { eth0: [`${hostIn(lan, 9 + n)}/${lanCidr.prefix}`] },
      });
      links.push({ a: { ns, dev: `lan0p${n}`, master: "lan0" }, b: { ns: hns, dev: "eth0" } });
    }
    nodes.push({
      id: r.id,
      ns,
      kind: "router",
      bridges: ["lan0"],
      forward: true,
      gateway: outside.gw,
      addrs: { wan0: [wan], lan0: [lan] },
      router: {
        wan,
        wanGateway: outside.gw,
        lan,
        hostIds,
        upstreamIds,
        acceptWanUdp: r.acceptWanUdp ?? [],
        firewallIncludes: r.firewallIncludes ?? [],
        fw4: r.fw4 ?? true,
        publicAddress,
      },
    });
    links.push({
      a: { ns: outside.ns, dev: outside.port, master: outside.bridge },
      b: { ns, dev: "wan0" },
    });
  });
  for (const h of spec.internetHosts ?? []) {
    if (!ID.test(h.id)) {
      throw new RangeError(`Cannot use host id "${h.id}": use 1-8 lowercase letters/digits`);
    }
    claim(h.id);
    const ns = nsName(spec.name, "internet-host", h.id);
    nodes.push({
      id: h.id,
      ns,
      kind: "internet-host",
      bridges: [],
      forward: false,
      gateway: gw,
      addrs: { eth0: h.addresses.map((a) => (a.includes("/") ? a : `${a}/${inetCidr.prefix}`)) },
    });
    links.push({ a: { ns: inet.ns, dev: `i-${h.id}`, master: "br0" }, b: { ns, dev: "eth0" } });
  }
  const names = new Set(nodes.map((n) => n.ns));
  if (names.size !== nodes.length) {
    throw new RangeError(
      `Cannot lay out lab "${spec.name}": two nodes map to one namespace, rename one`,
    );
  }
  return { name: spec.name, nodes, links };
}

/** Where the next layer inward attaches: a namespace, its bridge and the addresses it hands out. */
interface Outside {
  ns: string;
  gw: string;
  addr: string;
  bridge: string;
  port: string;
}

interface SharedNat {
  node: NodePlan;
  kind: NatLayer["kind"];
  inside: string;
  publicAddress: string;
  count: number;
}

function insideOf(node: NodePlan, inside: string, n: number): Outside {
  return {
    ns: node.ns,
    gw: hostIn(inside, 1),
    addr: `${hostIn(inside, 1 + n)}/${parseCidr(inside).prefix}`,
    bridge: "in0",
    port: `in0p${n}`,
  };
}

/** The IPv4 address at offset `n` inside `cidr` ("192.168.1.0/24", 10 → "192.168.1.10"). */
export function hostIn(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  const mask = c.prefix === 0 ? 0 : (~0 << (32 - c.prefix)) >>> 0;
  return intToIpv4(((ipv4ToInt(c.address) & mask) + n) >>> 0);
}
