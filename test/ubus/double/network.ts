// netifd's ubus side, from netifd@e97e36f:ubus.c: the `network` object (line 208),
// `network.interface` and one `network.interface.<name>` per interface (methods at
// line 1115), `status` with netifd_dump_status's fields (ubus.c:829-946), the
// `network.interface` event {action: ifup|ifdown, interface} (ubus.c:1242) and the
// interface.update / interface.down notifications to subscribers (ubus.c:1251).
import { blobmsg, type BlobmsgValue } from "../../../src/ubus/blobmsg.ts";
import { BlobmsgType as T, Status } from "../../../src/ubus/constants.ts";
import { fieldsOf } from "../../../src/ubus/blobmsg.ts";
import type { UciSection } from "../../../src/uci/uci_doc.ts";
import type { Broker, MethodDef } from "./broker.ts";

/** What a test can set on an interface; unset fields keep their defaults. */
export interface InterfaceState {
  up?: boolean;
  proto?: string;
  device?: string;
  l3_device?: string;
  metric?: number;
  ipv4?: { address: string; mask: number }[];
  ipv6?: { address: string; mask: number }[];
  routes?: { target: string; mask: number; nexthop: string; source?: string }[];
  dns?: string[];
  data?: Record<string, BlobmsgValue>;
}

interface Iface {
  name: string;
  state: Required<Omit<InterfaceState, "data">> & { data: Record<string, BlobmsgValue> };
  since: number;
  objId: number;
}

export class Netifd {
  private readonly ifaces = new Map<string, Iface>();
  private readonly typeId: number;
  private readonly ifaceObj: number;
  /** Calls of `network reload`/`restart`, for assertions. */
  reloads = 0;

  /** Interfaces a test created with setState; a reload leaves them alone. */
  private readonly pinned = new Set<string>();

  constructor(
    private readonly broker: Broker,
    private readonly client: number,
    private readonly now: () => number,
    /** The `interface` sections of /etc/config/network (committed), for reloads. */
    private readonly readConfig: () => UciSection[] = () => [],
  ) {
    broker.addObject(client, "network", {
      restart: { policy: {}, handler: () => (this.reload(), Status.OK) },
      reload: { policy: {}, handler: () => (this.reload(), Status.OK) },
      get_proto_handlers: { policy: {}, handler: (_a, ctx) => (ctx.reply({}), Status.OK) },
    });
    this.ifaceObj = broker.addObject(client, "network.interface", this.ifaceMethods(null));
    this.typeId = this.ifaceObj; // placeholder; real type id comes from the first interface
  }

  private status(i: Iface): Record<string, BlobmsgValue> {
    const s = i.state;
    const out: Record<string, BlobmsgValue> = {
      up: s.up,
      pending: false,
      available: true,
      autostart: true,
      dynamic: false,
    };
    if (s.up) {
      out.uptime = blobmsg.int32(Math.floor((this.now() - i.since) / 1000));
      out.l3_device = s.l3_device;
    }
    out.proto = s.proto;
    if (s.up) out.device = s.device;
    if (s.up) {
      Object.assign(out, {
        updated: ["addresses"],
        metric: blobmsg.int32(s.metric),
        dns_metric: blobmsg.int32(0),
        delegation: true,
        "ipv4-address": s.ipv4.map((a) => ({ address: a.address, mask: blobmsg.int32(a.mask) })),
        "ipv6-address": s.ipv6.map((a) => ({ address: a.address, mask: blobmsg.int32(a.mask) })),
        "ipv6-prefix": [],
        "ipv6-prefix-assignment": [],
        route: s.routes.map((r) => ({
          target: r.target,
          mask: blobmsg.int32(r.mask),
          nexthop: r.nexthop,
          ...(r.source ? { source: r.source } : {}),
        })),
        "dns-server": s.dns,
        "dns-search": [],
        neighbors: [],
        inactive: {
          "ipv4-address": [],
          "ipv6-address": [],
          route: [],
          "dns-server": [],
          "dns-search": [],
          neighbors: [],
        },
      });
    }
    out.data = s.data;
    return out;
  }

  private ifaceMethods(i: Iface | null): Record<string, MethodDef> {
    const dump: MethodDef = {
      policy: {},
      handler: (_a, ctx) => {
        ctx.reply({
          interface: [...this.ifaces.values()].map((x) => ({
            interface: x.name,
            ...this.status(x),
          })),
        });
        return Status.OK;
      },
    };
    if (!i) return { dump };
    return {
      up: { policy: {}, handler: () => (this.setState(i.name, { up: true }), Status.OK) },
      down: { policy: {}, handler: () => (this.setState(i.name, { up: false }), Status.OK) },
      renew: { policy: {}, handler: () => Status.OK },
      restart: {
        policy: {},
        handler:
          () => (this.setState(i.name, { up: false }),
            this.setState(i.name, { up: true }),
            Status.OK),
      },
      status: { policy: {}, handler: (_a, ctx) => (ctx.reply(this.status(i)), Status.OK) },
      dump,
      add_device: {
        policy: { name: T.STRING, "link-ext": T.INT8, vlan: T.ARRAY },
        handler: (a) => (a["name"] ? Status.OK : Status.INVALID_ARGUMENT),
      },
      remove_device: {
        policy: { name: T.STRING, "link-ext": T.INT8, vlan: T.ARRAY },
        handler: (a) => (a["name"] ? Status.OK : Status.INVALID_ARGUMENT),
      },
    };
  }

  /** Create or change an interface; emits ifup/ifdown events and update notifications. */
  setState(name: string, patch: InterfaceState, pin = true): void {
    if (pin) this.pinned.add(name);
    let i = this.ifaces.get(name);
    const wasUp = i?.state.up ?? false;
    if (!i) {
      const created: Iface = {
        name,
        state: {
          up: false,
          proto: "static",
          device: name,
          l3_device: name,
          metric: 0,
          ipv4: [],
          ipv6: [],
          routes: [],
          dns: [],
          data: {},
        },
        since: this.now(),
        objId: 0,
      };
      created.objId = this.broker.addObject(
        this.client,
        `network.interface.${name}`,
        this.ifaceMethods(created),
        this.typeId,
      );
      this.ifaces.set(name, created);
      i = created;
    }
    Object.assign(
      i.state,
      Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    );
    if (i.state.up && !wasUp) i.since = this.now();
    if (i.state.up !== wasUp) {
      this.broker.sendEvent(
        this.client,
        "network.interface",
        fieldsOf({ action: i.state.up ? "ifup" : "ifdown", interface: name }),
      );
    }
    const event = i.state.up ? "interface.update" : "interface.down";
    const data = { interface: name, ...this.status(i) };
    this.broker.notify(this.ifaceObj, event, data);
    this.broker.notify(i.objId, event, data);
  }

  /**
   * What netifd does on `network reload` (config_init_all): interfaces new in the config get
   * an object and come up unless `auto '0'`/`disabled '1'`; removed ones go away; a changed
   * proto or device is taken over. Interfaces a test pinned with setInterface stay.
   */
  reload(): void {
    this.reloads++;
    const secs = this.readConfig().filter((x) => x.type === "interface");
    const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
    for (const sec of secs) {
      const proto = one(sec.options.proto) ?? "none";
      const device = one(sec.options.device) ?? sec.name;
      const known = this.ifaces.get(sec.name);
      if (!known) {
        const up = one(sec.options.auto) !== "0" && one(sec.options.disabled) !== "1";
        this.setState(sec.name, { up, proto, device, l3_device: device }, false);
      } else if (
        !this.pinned.has(sec.name) && (known.state.proto !== proto || known.state.device !== device)
      ) {
        this.setState(sec.name, { proto, device, l3_device: device }, false);
      }
    }
    for (const name of [...this.ifaces.keys()]) {
      if (!this.pinned.has(name) && !secs.some((x) => x.name === name)) this.remove(name);
    }
  }

  /** Remove an interface and its object. */
  remove(name: string): void {
    const i = this.ifaces.get(name);
    if (!i) return;
    if (i.state.up) this.setState(name, { up: false });
    this.broker.removeObject(i.objId);
    this.ifaces.delete(name);
    this.pinned.delete(name);
  }
}
