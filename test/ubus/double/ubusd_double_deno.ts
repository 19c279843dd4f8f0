// The ubusd + rpcd + netifd test double on a real Unix socket.
import { type BlobmsgValue, fieldsOf } from "../../../src/ubus/blobmsg.ts";
import { decodeMessage } from "../../../src/ubus/message.ts";
import { UbusDeframer } from "../../../src/ubus/deframer.ts";
import { Broker } from "./broker.ts";
import { type InterfaceState, Netifd } from "./network.ts";
import { type AclGroups, Sessions, type TestUser } from "./session.ts";
import { UciObject } from "./uci.ts";
import { Procd, rcMethods } from "./procd.ts";
import { sections } from "../../../src/uci/uci_doc.ts";
import { type ConfigFiles, NO_SESSION, UciStore } from "./uci_store.ts";
import { renderOption } from "../../../src/uci/uci_write.ts";
import type { Timer } from "../../../src/lib/timer.ts";

/** Options of `startUbusDouble`. */
export interface UbusDoubleOptions {
  socketPath: string;
  /** Directory of UCI text files (`/etc/config`). */
  configDir: string;
  /**
   * rpcd `config login` sections, written to `<configDir>/rpcd` when that file does not exist
   * (logins are read from the file on every login, as rpcd does); default OpenWrt's: root with
   * `$p$root`, read and write `*`.
   */
  users?: TestUser[];
  /** /etc/shadow for `$p$<user>` passwords: user → password ("" = none, any accepted); default root with none. */
  shadow?: Record<string, string>;
  /** Register procd's `service` object (default true); without it rpcd sends no config.change. */
  procd?: boolean;
  /** acl.d groups; default one group "punch-test" granting read+write on all uci configs. */
  acls?: AclGroups;
  /** Milliseconds per protocol second, for rpcd timeouts (apply rollback, session expiry). */
  secondMs?: number;
  /** Interfaces to create at start (pinned: `network reload` leaves them alone). */
  interfaces?: Record<string, InterfaceState>;
  /** Also create the `interface` sections of `<configDir>/network` at start (default true). */
  interfacesFromConfig?: boolean;
}

/** A running double. */
export interface UbusDouble {
  readonly socketPath: string;
  /** Stop listening, drop every client, cancel timers. */
  close(): Promise<void>;
  /** Send an event as a daemon would (`ubus send <event> <data>`). */
  emit(event: string, data: { readonly [key: string]: BlobmsgValue }): void;
  /** Create or change a netifd interface; emits ifup/ifdown and interface.update. */
  setInterface(name: string, state: InterfaceState): void;
  /** Configs procd got a `config.change` for (commit, apply, rollback), in order. */
  readonly configChanges: string[];
  /** Events sent through the bus. */
  readonly broker: Broker;
  readonly uci: UciObject;
  readonly netifd: Netifd;
}

/** Config files in a real directory, one file per config as in /etc/config. */
export function dirFiles(dir: string): ConfigFiles {
  return {
    list: () =>
      [...Deno.readDirSync(dir)].filter((e) => e.isFile && !e.name.startsWith(".")).map((e) =>
        e.name
      ),
    read: (name) => {
      try {
        return Deno.readTextFileSync(`${dir}/${name}`);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return null;
        throw e;
      }
    },
    write: (name, text) => Deno.writeTextFileSync(`${dir}/${name}`, text),
  };
}

const DEFAULT_ACLS: AclGroups = {
  "punch-test": {
    read: { ubus: { "*": ["*"] }, uci: ["*"] },
    write: { ubus: { "*": ["*"] }, uci: ["*"] },
  },
};

/** OpenWrt's /etc/config/rpcd (openwrt.md §3). */
const DEFAULT_USERS: TestUser[] = [
  { username: "root", password: "$p$root", read: ["*"], write: ["*"] },
];

/** /etc/config/rpcd text for `users`, in `uci commit`'s layout (an empty password kept as ''). */
function rpcdConfig(users: TestUser[]): string {
  let out = "";
  for (const u of users) {
    out += `\nconfig login\n${renderOption("option", "username", u.username)}\n`;
    if (u.password !== undefined) out += `${renderOption("option", "password", u.password)}\n`;
    for (const r of u.read ?? []) out += `${renderOption("list", "read", r)}\n`;
    for (const w of u.write ?? []) out += `${renderOption("list", "write", w)}\n`;
  }
  return `${out}\n`;
}

/** The `login` sections of rpcd as the double reads them (read/write count only as lists). */
function loginsOf(store: UciStore): TestUser[] {
  const doc = store.load("rpcd", NO_SESSION);
  if (!doc) return [];
  return sections(doc).filter((s) => s.type === "login").flatMap((s) => {
    const { username, password, read, write } = s.options;
    if (typeof username !== "string") return [];
    return [{
      username,
      ...(typeof password === "string" ? { password } : {}),
      ...(Array.isArray(read) ? { read } : {}),
      ...(Array.isArray(write) ? { write } : {}),
    }];
  });
}

/**
 * Start the double: ubusd on `socketPath` with rpcd's `session` and `uci` and netifd's
 * `network*` objects.
 * @example const d = await startUbusDouble({ socketPath: `${tmp}/ubus.sock`, configDir: `${tmp}/config` });
 */
export function startUbusDouble(opts: UbusDoubleOptions): Promise<UbusDouble> {
  const secondMs = opts.secondMs ?? 1000;
  const broker = new Broker();
  const timers = new Set<Timer>();
  const procd = new Procd();
  const now = () => Date.now();
  const rpcd = broker.connect(null);
  const netifdClient = broker.connect(null);
  const procdClient = broker.connect(null);
  const store = new UciStore(dirFiles(opts.configDir));
  if (store.files.read("rpcd") === null) {
    store.files.write("rpcd", rpcdConfig(opts.users ?? DEFAULT_USERS));
  }
  const sessions = new Sessions(
    () => loginsOf(store),
    opts.shadow ?? { root: "" },
    opts.acls ?? DEFAULT_ACLS,
    now,
    secondMs,
  );
  const uci = new UciObject(store, sessions, {
    secondMs,
    // rpc_uci_trigger_event: only when a `service` object exists
    onConfigChange: (c) =>
      void broker.invokeFrom(rpcd, "service", "event", {
        type: "config.change",
        data: { package: c },
      }),
    schedule: (ms, f) => {
      const t = setTimeout(() => {
        timers.delete(t);
        f();
      }, ms);
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
  });
  sessions.applySid = () => uci.pendingApply;
  broker.addObject(rpcd, "session", sessions.methods());
  broker.addObject(rpcd, "uci", uci.methods());
  broker.addObject(rpcd, "rc", rcMethods());
  if (opts.procd !== false) broker.addObject(procdClient, "service", procd.methods());
  const readNetwork = () => {
    const doc = store.load("network", null);
    return doc ? sections(doc) : [];
  };
  const netifd = new Netifd(broker, netifdClient, now, readNetwork);
  for (const [name, st] of Object.entries(opts.interfaces ?? {})) netifd.setState(name, st);
  if (opts.interfacesFromConfig !== false) netifd.reload();
  netifd.reloads = 0;

  try {
    Deno.removeSync(opts.socketPath);
  } catch { /* not there */ }
  const listener = Deno.listen({ transport: "unix", path: opts.socketPath });
  const conns = new Set<Deno.UnixConn>();
  const serve = async (conn: Deno.UnixConn) => {
    conns.add(conn);
    let writing = Promise.resolve();
    const id = broker.connect((bytes) => {
      writing = writing.then(async () => {
        let off = 0;
        while (off < bytes.length) off += await conn.write(bytes.subarray(off));
      }).catch(() => {});
    });
    const deframer = new UbusDeframer();
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const frame of deframer.pushFrames(buf.subarray(0, n))) {
          let m;
          try {
            m = decodeMessage(frame);
          } catch {
            continue; // blob_parse_untrusted drops what it cannot read
          }
          broker.receive(id, m);
        }
      }
    } catch { /* reset or oversized frame: ubusd disconnects */ }
    broker.disconnect(id);
    conns.delete(conn);
    await writing;
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const accepting = (async () => {
    for await (const conn of listener) void serve(conn);
  })().catch(() => {});

  return Promise.resolve({
    socketPath: opts.socketPath,
    configChanges: procd.configChanges,
    broker,
    uci,
    netifd,
    emit: (event, data) => broker.sendEvent(netifdClient, event, fieldsOf(data)),
    setInterface: (name, state) => netifd.setState(name, state),
    close: async () => {
      uci.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await accepting;
      try {
        Deno.removeSync(opts.socketPath);
      } catch { /* gone */ }
    },
  });
}
