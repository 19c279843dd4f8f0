/**
 * Lab topology: from a `LabSpec` to a plan of namespaces, links, addresses and routes. Sans-I/O;
 * `netns_deno.ts` turns the plan into `ip`/`nft` commands.
 */
import { intToIpv4, ipv4ToInt, parseCidr } from "../../src/lib/net.ts";

/** One NAT in front of a router, innermost first; `inside` is the network it hands out. */
export interface NatLayer {
  kind: "cone" | "symmetric";
  inside: string;
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
    case "inet": return `${lab}-inet`;
    case "router": return `${lab}-r${id}`;
    case "host": return `${lab}-h${id}`;
    case "upstream": return `${lab}-u${id}`;
    case "internet-host": return `${lab}-i${id}`;
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
    id: "inet", ns: nsName(spec.name, "inet", "inet"), kind: "inet",
    addrs: { br0: [`${gw}/${inetCidr.prefix}`] }, bridges: ["br0"], forward: true,
  };
  const nodes: NodePlan[] = [inet];
  const links: LinkPlan[] = [];
  const seen = new Set<string>(["inet"]);
  const claim = (id: string) => {
    if (seen.has(id)) throw new RangeError(`Cannot use id "${id}" twice: give each node its own id`);
    seen.add(id);
  };
  spec.routers.forEach((r, i) => {
    if (!ID.test(r.id)) throw new RangeError(`Cannot use router id "${r.id}": use 1-8 lowercase letters/digits`);
    claim(r.id);
    const defaultPublic = `${hostIn(spec.internet ?? "203.0.113.0/24", 10 * (i + 1))}/${inetCidr.prefix}`;
    const ups = r.upstream ?? [];
    const publicAddress = ups.length > 0 ? (r.publicAddress ?? defaultPublic) : (r.wan ?? defaultPublic);
    // Outermost first: each upstream's outside sits in the next layer's inside (or the internet).
    let outsideNs = inet.ns, outsideGw = gw, outsideAddr = publicAddress, outsideBridge = "br0";
    const upstreamIds: string[] = [];
    for (let k = ups.length - 1; k >= 0; k--) {
      const layer = ups[k]!;
      const id = `${r.id}-up${k}`;
      claim(id);
      upstreamIds.unshift(id);
      const ns = nsName(spec.name, "upstream", `${r.id}${k}`);
      const inside = parseCidr(layer.inside);
      const insideAddr = `${hostIn(layer.inside, 1)}/${inside.prefix}`;
      nodes.push({
        id, ns, kind: "upstream", bridges: [], forward: true, gateway: outsideGw,
        addrs: { out0: [outsideAddr], in0: [insideAddr] },
        nat: { kind: layer.kind, insideDev: "in0", outsideDev: "out0" },
      });
      links.push(peerLink(outsideNs, outsideBridge, ns, "out0", `u-${r.id}${k}`));
      outsideNs = ns;
      outsideGw = hostIn(layer.inside, 1);
      outsideAddr = `${hostIn(layer.inside, 2)}/${inside.prefix}`;
      outsideBridge = "";
    }
    const wan = ups.length > 0 ? (r.wan ?? outsideAddr) : publicAddress;
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
        id: hid, ns: hns, kind: "host", bridges: [], forward: false, gateway: lanCidr.address,
        addrs: { eth0: [`${hostIn(lan, 9 + n)}/${lanCidr.prefix}`] },
      });
      links.push({ a: { ns, dev: `lan0p${n}`, master: "lan0" }, b: { ns: hns, dev: "eth0" } });
    }
    nodes.push({
      id: r.id, ns, kind: "router", bridges: ["lan0"], forward: true, gateway: outsideGw,
      addrs: { wan0: [wan], lan0: [lan] },
      router: {
        wan, wanGateway: outsideGw, lan, hostIds, upstreamIds,
        acceptWanUdp: r.acceptWanUdp ?? [], publicAddress,
      },
    });
    links.push(peerLink(outsideNs, outsideBridge, ns, "wan0", `r-${r.id}`));
  });
  for (const h of spec.internetHosts ?? []) {
    if (!ID.test(h.id)) throw new RangeError(`Cannot use host id "${h.id}": use 1-8 lowercase letters/digits`);
    claim(h.id);
    const ns = nsName(spec.name, "internet-host", h.id);
    nodes.push({
      id: h.id, ns, kind: "internet-host", bridges: [], forward: false, gateway: gw,
      addrs: { eth0: h.addresses.map((a) => (a.includes("/") ? a : `${a}/${inetCidr.prefix}`)) },
    });
    links.push({ a: { ns: inet.ns, dev: `i-${h.id}`, master: "br0" }, b: { ns, dev: "eth0" } });
  }
  return { name: spec.name, nodes, links };
}

/** The IPv4 address at offset `n` inside `cidr` ("192.168.1.0/24", 10 → "192.168.1.10"). */
export function hostIn(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  const mask = c.prefix === 0 ? 0 : (~0 << (32 - c.prefix)) >>> 0;
  return intToIpv4(((ipv4ToInt(c.address) & mask) + n) >>> 0);
}

function peerLink(outerNs: string, outerBridge: string, innerNs: string, innerDev: string, outerDev: string): LinkPlan {
  const a = outerBridge === ""
    ? { ns: outerNs, dev: "in0" }
    : { ns: outerNs, dev: outerDev, master: outerBridge };
  return { a, b: { ns: innerNs, dev: innerDev } };
}
