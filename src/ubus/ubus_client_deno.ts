// Deno transport for UbusClientCore: a Unix stream socket to ubusd, a read loop, request
// timers, and reconnect with bounded exponential backoff that re-registers event listeners.
import type { BlobmsgJson, BlobmsgValue } from "./blobmsg.ts";
import {
  DEFAULT_TIMEOUT_MS,
  UbusClientCore,
  type UbusClientCore as Core,
  type UbusEventHandler,
  type UbusObjectInfo,
} from "./client.ts";
import { Status, UBUS_DEFAULT_SOCKET } from "./constants.ts";
import { UbusDeframer } from "./deframer.ts";
import { ubusError } from "./errors.ts";
import type { UbusMethods } from "./object.ts";
import type { Timer } from "../lib/timer.ts";

/** Options of `UbusClient.connect`. */
export interface UbusClientOptions {
  /** Default per-call timeout in ms (30 000, as the ubus CLI). */
  timeoutMs?: number;
  /** Reconnect when ubusd goes away (default true). */
  reconnect?: boolean;
  /** First and largest delay between reconnect attempts, ms (default 100 and 5 000). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Give up after this many failed attempts in a row (default: never, until `close`). */
  maxReconnectAttempts?: number;
  /** Called after every successful (re)connect with the new client id. */
  onConnect?: (clientId: number) => void;
  /** Called when the connection drops. */
  onDisconnect?: (reason: string) => void;
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
}

interface Subscription {
  /** An event pattern, or the path of a watched object. */
  kind: "event" | "object";
  pattern: string;
  handler: UbusEventHandler;
  active: boolean;
  objectId: number | null;
}

/** An object this client serves on the bus (see `UbusClient.serve`). */
export interface UbusServedObject {
  readonly path: string;
  /** Its id on the current connection; null while disconnected. */
  readonly id: number | null;
  /** Whether anyone subscribes (`ubus subscribe <path>`). */
  readonly hasSubscribers: boolean;
  /** Send a notification to subscribers (dropped while disconnected or unsubscribed). */
  notify(type: string, data?: { readonly [key: string]: BlobmsgValue }): void;
  /** Stop serving it. */
  remove(): void;
}

interface Served {
  path: string;
  methods: UbusMethods;
  id: number | null;
  subscribed: boolean;
  removed: boolean;
}

/** A ubus connection with a promise API. */
export class UbusClient {
  private core: Core = new UbusClientCore();
  private conn: Deno.UnixConn | null = null;
  private closed = false;
  private reconnecting = false;
  /** Connected, HELLO seen and listeners registered again: calls may go out. */
  private up = false;
  private readonly sleepers = new Set<() => void>();
  private timer: Timer | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readyWaiters: Array<() => void> = [];
  private readonly subs: Subscription[] = [];
  private readonly served: Served[] = [];
  private readonly timeoutMs: number;

  private constructor(readonly path: string, private readonly opts: UbusClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Connect to ubusd and wait for its HELLO.
   * @example const ubus = await UbusClient.connect(); await ubus.call("system", "board");
   */
  static async connect(
    path = UBUS_DEFAULT_SOCKET,
    opts: UbusClientOptions = {},
  ): Promise<UbusClient> {
    const c = new UbusClient(path, opts);
    try {
      await c.open();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Our client id (changes on reconnect); null while disconnected. */
  get clientId(): number | null {
    return this.conn ? this.core.clientId : null;
  }

  /** Whether the socket is up. */
  get connected(): boolean {
    return this.conn !== null;
  }

  private async open(): Promise<void> {
    const conn = await Deno.connect({ transport: "unix", path: this.path }).catch((e) => {
      throw ubusError(
        Status.CONNECTION_FAILED,
        `Connect to ubus socket "${this.path}" (${e instanceof Error ? e.message : e})`,
      );
    });
    const core = new UbusClientCore();
    core.onOutput = () => this.core === core && this.flush();
    this.core = core;
    this.conn = conn;
    void this.readLoop(conn, core);
    let t: Timer | undefined;
    const id = await Promise.race([
      core.hello(),
      new Promise<never>((_, rej) => {
        t = setTimeout(
          () => rej(ubusError(Status.TIMEOUT, `Wait for HELLO on "${this.path}"`)),
          this.timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(t));
    core.onUnsubscribe = (objid) => {
      const s = this.subs.find((x) => x.objectId === objid);
      if (s) void this.rewatch(core, s);
    };
    core.onSubscribers = (objid, active) => {
      const o = this.served.find((x) => x.id === objid);
      if (o) o.subscribed = active;
    };
    for (const o of [...this.served]) {
      o.id = null;
      o.subscribed = false;
      o.id = await core.addObject(o.path, o.methods, Date.now(), this.timeoutMs);
    }
    for (const s of [...this.subs]) {
      s.active = false;
      if (s.kind === "event") {
        s.objectId = await core.registerEvent(s.pattern, s.handler, Date.now(), this.timeoutMs);
      } else await this.attach(core, s);
      s.active = true;
    }
    this.up = true;
    this.opts.onConnect?.(id);
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private async readLoop(conn: Deno.UnixConn, core: Core): Promise<void> {
    const deframer = new UbusDeframer();
    const buf = new Uint8Array(65536);
    let reason = "closed by ubusd";
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const m of deframer.push(buf.subarray(0, n))) core.receive(m);
        this.flush();
      }
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
    try {
      conn.close();
    } catch { /* already closed */ }
    core.close(reason);
    if (this.core !== core) return;
    this.conn = null;
    this.up = false;
    this.opts.onDisconnect?.(reason);
    if (!this.closed && !this.reconnecting && this.opts.reconnect !== false) {
      void this.reconnectLoop();
    }
  }

  private async reconnectLoop(): Promise<void> {
    const min = this.opts.backoffMinMs ?? 100;
    const max = this.opts.backoffMaxMs ?? 5000;
    const limit = this.opts.maxReconnectAttempts ?? Infinity;
    let delay = min;
    this.reconnecting = true;
    try {
      for (let attempt = 0; attempt < limit && !this.closed; attempt++) {
        await this.sleep(delay);
        if (this.closed) return;
        try {
          await this.open();
          return;
        } catch {
          const conn = this.conn;
          this.conn = null;
          try {
            conn?.close();
          } catch { /* gone */ }
          delay = Math.min(max, delay * 2);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** A delay that `close` cuts short, so no timer outlives the client. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(t);
        resolve();
      };
      this.sleepers.add(wake);
    });
  }

  private flush(): void {
    const conn = this.conn;
    const out = this.core.drain();
    if (conn && out.length) {
      this.writing = this.writing.then(async () => {
        for (const b of out) {
          let off = 0;
          while (off < b.length) off += await conn.write(b.subarray(off));
        }
      }).catch(() => {/* the read loop notices the broken socket */});
    }
    this.armTimer();
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const d = this.core.nextDeadline();
    if (d === null) return;
    this.timer = setTimeout(() => {
      this.core.tick(Date.now());
      this.armTimer();
    }, Math.max(0, d - Date.now()));
  }

  private ready(timeoutMs: number, what: string): Promise<void> {
    if (this.closed) {
      return Promise.reject(ubusError(Status.CONNECTION_FAILED, `${what} on a closed client`));
    }
    if (this.up) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(ubusError(Status.CONNECTION_FAILED, what));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  private async run<T>(
    what: string,
    timeoutMs: number,
    f: (core: Core, now: number) => Promise<T>,
  ): Promise<T> {
    const start = Date.now();
    await this.ready(timeoutMs, what);
    const p = f(this.core, start);
    this.flush();
    return await p;
  }

  /** LOOKUP objects: one path, a prefix with a trailing `*`, or all when omitted. */
  lookup(path?: string, opts: CallOptions = {}): Promise<UbusObjectInfo[]> {
    const t = opts.timeoutMs ?? this.timeoutMs;
    return this.run(`ubus lookup "${path ?? "*"}"`, t, (core, now) => core.lookup(path, now, t));
  }

  /** Call `method` on the object at `path`; resolves with its first reply table ({} if none). */
  async call(
    path: string,
    method: string,
    args: { readonly [key: string]: BlobmsgValue } = {},
    opts: CallOptions = {},
  ): Promise<{ [key: string]: BlobmsgJson }> {
    return (await this.callAll(path, method, args, opts))[0] ?? {};
  }

  /** Like `call`, but resolves with every reply table (e.g. `session list`). */
  async callAll(
    path: string,
    method: string,
    args: { readonly [key: string]: BlobmsgValue } = {},
    opts: CallOptions = {},
  ): Promise<{ [key: string]: BlobmsgJson }[]> {
    const t = opts.timeoutMs ?? this.timeoutMs;
    const what = `ubus call "${path}" "${method}"`;
    const start = Date.now();
    // Ids are looked up per call, as `ubus call` does: objects re-register with new ids.
    const [obj] = await this.run(what, t, (core, now) => core.lookup(path, now, t));
    if (!obj) throw ubusError(Status.NOT_FOUND, what);
    const left = Math.max(1, t - (Date.now() - start));
    return await this.run(
      what,
      left,
      (core, now) => core.invoke(obj.id, method, args, now, left, what),
    );
  }

  /** Send an event to listeners (like `ubus send`). */
  sendEvent(
    id: string,
    data: { readonly [key: string]: BlobmsgValue } = {},
    opts: CallOptions = {},
  ): Promise<void> {
    const t = opts.timeoutMs ?? this.timeoutMs;
    return this.run(`ubus send "${id}"`, t, (core, now) => core.sendEvent(id, data, now, t));
  }

  /**
   * Listen for events whose id matches `pattern` (exact, or a prefix ending in `*`).
   * The listener is registered again after every reconnect.
   */
  async subscribe(
    pattern: string,
    handler: UbusEventHandler,
    opts: CallOptions = {},
  ): Promise<{ unsubscribe(): void }> {
    const sub: Subscription = {
      kind: "event",
      pattern,
      handler: (e, d) => sub.active && handler(e, d),
      active: false,
      objectId: null,
    };
    const t = opts.timeoutMs ?? this.timeoutMs;
    sub.objectId = await this.run(
      `ubus listen "${pattern}"`,
      t,
      (core, now) => core.registerEvent(pattern, sub.handler, now, t),
    );
    sub.active = true;
    this.subs.push(sub);
    return { unsubscribe: () => this.drop(sub, t) };
  }

  /** Look the watched path up and subscribe to it; objectId stays null if it is absent. */
  private async attach(core: Core, s: Subscription): Promise<void> {
    s.objectId = null;
    const [target] = await core.lookup(s.pattern, Date.now(), this.timeoutMs).catch(() => []);
    if (target) {
      s.objectId = await core.subscribeObject(target.id, s.handler, Date.now(), this.timeoutMs);
    }
  }

  /** The watched object went away (its daemon restarted): look for it again, bounded. */
  private async rewatch(core: Core, s: Subscription): Promise<void> {
    const stale = s.objectId;
    if (stale !== null) core.removeObject(stale, Date.now(), this.timeoutMs).catch(() => {});
    s.objectId = null;
    let delay = this.opts.backoffMinMs ?? 100;
    for (let i = 0; i < 100 && !this.closed && this.core === core && this.subs.includes(s); i++) {
      await this.sleep(delay);
      if (this.closed) return;
      await this.attach(core, s).catch(() => {});
      if (s.objectId !== null) return;
      delay = Math.min(this.opts.backoffMaxMs ?? 5000, delay * 2);
    }
  }

  /**
   * Watch the notifications of the object at `path` (ubus subscribe), e.g.
   * `watch("network.interface", fn)` gets netifd's "interface.update"/"interface.down" with
   * the interface status. Re-subscribed after reconnects and when the object reappears.
   */
  async watch(
    path: string,
    handler: UbusEventHandler,
    opts: CallOptions = {},
  ): Promise<{ unwatch(): void }> {
    const sub: Subscription = {
      kind: "object",
      pattern: path,
      handler: (e, d) => sub.active && handler(e, d),
      active: false,
      objectId: null,
    };
    const t = opts.timeoutMs ?? this.timeoutMs;
    const what = `ubus subscribe "${path}"`;
    sub.objectId = await this.run(what, t, async (core, now) => {
      const [target] = await core.lookup(path, now, t);
      if (!target) throw ubusError(Status.NOT_FOUND, what);
      return await core.subscribeObject(target.id, sub.handler, now, t);
    });
    sub.active = true;
    this.subs.push(sub);
    return { unwatch: () => this.drop(sub, t) };
  }

  /**
   * Serve an object at `path` (`ubus call <path> <method>` reaches `methods`); it is added
   * again after every reconnect. Fails with INVALID_ARGUMENT when the path is taken.
   * @example await ubus.serve("punch", { status: { policy: {}, handler: () => ({ up: true }) } })
   */
  async serve(
    path: string,
    methods: UbusMethods,
    opts: CallOptions = {},
  ): Promise<UbusServedObject> {
    const o: Served = { path, methods, id: null, subscribed: false, removed: false };
    const t = opts.timeoutMs ?? this.timeoutMs;
    o.id = await this.run(
      `ubus add object "${path}"`,
      t,
      (core, now) => core.addObject(path, methods, now, t),
    );
    this.served.push(o);
    return {
      path,
      get id() {
        return o.id;
      },
      get hasSubscribers() {
        return o.subscribed;
      },
      notify: (type, data = {}) => {
        if (o.id !== null && o.subscribed && this.up) {
          this.core.notify(o.id, type, data);
          this.flush();
        }
      },
      remove: () => {
        if (o.removed) return;
        o.removed = true;
        const i = this.served.indexOf(o);
        if (i >= 0) this.served.splice(i, 1);
        if (o.id !== null && this.conn) this.core.removeObject(o.id, Date.now(), t).catch(() => {});
        o.id = null;
      },
    };
  }

  private drop(sub: Subscription, t: number): void {
    sub.active = false;
    const i = this.subs.indexOf(sub);
    if (i >= 0) this.subs.splice(i, 1);
    if (sub.objectId !== null && this.conn) {
      // libubus ubus_unregister_event_handler / ubus_unregister_subscriber: remove our object
      this.core.removeObject(sub.objectId, Date.now(), t).catch(() => {});
    }
  }

  /** Close the socket and stop reconnecting; pending calls fail with CONNECTION_FAILED. */
  close(): void {
    this.closed = true;
    this.up = false;
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = null;
    this.core.close("client closed");
    if (conn) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
    for (const w of this.readyWaiters.splice(0)) w();
    for (const w of [...this.sleepers]) w();
    this.sleepers.clear();
  }
}
