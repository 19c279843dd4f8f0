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
  /**
   * A global IPv6 address on the WAN, routed without NAT66: `true` gives 2001:db8::<10·(index+1)>/64
   * on the internet link, or, behind upstream NATs, 2001:db8:<index+1>:<depth>::2/64 routed
   * through each upstream box (which forwards IPv6 unfiltered; the router's fw4 filters).
   */
  v6?: boolean;
}

/**
 * A host directly on the internet, e.g. `{id:"stun", addresses:["203.0.113.3/24","2001:db8::3/64"]}`;
 * IPv6 addresses (default /64) switch IPv6 on for the host.
 */
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
  /** The internet's IPv6 prefix with the gateway address (default 2001:db8::1/64), when any node has IPv6. */
  internetV6?: string;
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
  /** IPv6 is switched on only in nodes that have it (elsewhere it stays disabled). */
  ipv6?: boolean;
  gateway6?: string;
  /** Extra IPv6 routes, e.g. "2001:db8:1::/48 via 2001:db8::10". */
  routes6?: string[];
  /** Bridge interfaces to create in this namespace. */
  bridges: string[];
  forward: boolean;
  /** Set for upstream NATs. */
  nat?: { kind: NatLayer["kind"]; insideDev: string; outsideDev: string; routeV6?: boolean };
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
  /** The WAN's global IPv6 address (CIDR), when the router has one. */
  wanV6?: string;
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
  const v6Cidr = parseCidr(spec.internetV6 ?? "2001:db8::1/64");
  if (v6Cidr.family !== 6) {
    throw new RangeError(`Cannot use "${spec.internetV6}" as the IPv6 internet: give an IPv6 CIDR`);
  }
  const gw6 = v6Cidr.address;
  const anyV6 = spec.routers.some((r) => r.v6 === true) ||
    (spec.internetHosts ?? []).some((h) => h.addresses.some((a) => a.includes(":")));
  if (anyV6) {
    inet.ipv6 = true;
    inet.addrs["br0"]!.push(`${gw6}/${v6Cidr.prefix}`);
    inet.routes6 = [];
  }
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
    const v6 = r.v6 === true;
    if (v6 && ups.some((u) => u.shared !== undefined)) {
      throw new RangeError(
        `Cannot give router "${r.id}" IPv6 behind a shared upstream: the lab routes IPv6 only through upstreams of one router`,
      );
    }
    // IPv6 (no NAT66): the outside address and gateway of the next layer inward.
    const v6Public = `2001:db8::${10 * (i + 1)}/64`;
    let out6 = { addr: v6Public, gw: gw6 };
    if (v6 && ups.length > 0) {
      inet.routes6!.push(`2001:db8:${i + 1}::/48 via ${v6Public.split("/")[0]}`);
    }
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
        nat: { kind: layer.kind, insideDev: "in0", outsideDev: "out0", routeV6: v6 },
      };
      if (v6) {
        const depth = ups.length - 1 - k;
        const net = depth === 0 ? `2001:db8:${i + 1}::` : `2001:db8:${i + 1}:${depth}::`;
        node.ipv6 = true;
        node.addrs["out0"]!.push(out6.addr);
        node.addrs["in0"]!.push(`${net}1/64`);
        node.gateway6 = out6.gw;
        node.routes6 = k > 0 ? [`2001:db8:${i + 1}::/48 via ${net}2`] : [];
        out6 = { addr: `${net}2/64`, gw: `${net}1` };
      }
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
      addrs: { wan0: v6 ? [wan, out6.addr] : [wan], lan0: [lan] },
      ...(v6 ? { ipv6: true, gateway6: out6.gw } : {}),
      router: {
        ...(v6 ? { wanV6: out6.addr } : {}),
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
    const hostV6 = h.addresses.some((a) => a.includes(":"));
    nodes.push({
      id: h.id,
      ns,
      kind: "internet-host",
      bridges: [],
      forward: false,
      gateway: gw,
      ...(hostV6 ? { ipv6: true, gateway6: gw6 } : {}),
      addrs: {
        eth0: h.addresses.map((a) =>
          a.includes("/") ? a : `${a}/${a.includes(":") ? v6Cidr.prefix : inetCidr.prefix}`
        ),
      },
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
