/**
 * punchd's `punch` object on ubusd (OpenWrt): `ubus call punch status`, the other methods of
 * ubus_api.ts, and `peer.state` notifications to `ubus subscribe punch` listeners (peer states
 * polled every few seconds while someone subscribes). Its own connection, so a ubusd restart
 * only re-adds the object.
 */
import { errorMessage } from "../lib/errors.ts";
import { UbusClient, type UbusServedObject } from "../ubus/mod.ts";
import { peerStateEvents, type PeerStateRow, punchUbusMethods, UBUS_OBJECT } from "./ubus_api.ts";

/** How often peer states are compared while `punch` has subscribers. */
export const PEER_POLL_MS = 5000;

export class UbusService {
  private ubus: UbusClient | null = null;
  private obj: UbusServedObject | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly known = new Map<string, PeerStateRow>();
  private polling = false;

  constructor(
    private readonly socketPath: string,
    private readonly dispatch: (
      method: string,
      params: Record<string, unknown>,
    ) => Promise<unknown>,
    private readonly log: (m: string) => void,
    private readonly pollMs = PEER_POLL_MS,
  ) {}

  /** Connect and add the object; a failure is logged, punchd runs on without it. */
  async start(): Promise<void> {
    try {
      this.ubus = await UbusClient.connect(this.socketPath, { timeoutMs: 30_000 });
      this.obj = await this.ubus.serve(
        UBUS_OBJECT,
        punchUbusMethods(this.dispatch, (sid) => this.sessionUser(sid)),
      );
    } catch (e) {
      this.log(
        `Cannot add the ubus object "${UBUS_OBJECT}": ${
          errorMessage(e)
        }; ubus call punch is unavailable, punchctl and the web UI still work`,
      );
      this.ubus?.close();
      this.ubus = null;
      return;
    }
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  /** The login name of an rpcd session (`session get`), null when rpcd does not know it. */
  async sessionUser(sid: string): Promise<string | null> {
    const r = await this.ubus?.call("session", "get", { ubus_rpc_session: sid, keys: ["username"] })
      .catch(() => null);
    const values = r?.values as Record<string, unknown> | undefined;
    return typeof values?.username === "string" ? values.username : null;
  }

  /** Compare peer states and notify subscribers of changes (skipped while nobody listens). */
  async poll(): Promise<void> {
    const obj = this.obj;
    if (!obj || this.polling) return;
    if (!obj.hasSubscribers) {
      this.known.clear(); // a new subscriber gets every peer's current state first
      return;
    }
    this.polling = true;
    try {
      const peers = await this.dispatch("peer.list", {}) as PeerStateRow[];
      for (const ev of peerStateEvents(this.known, peers)) obj.notify("peer.state", { ...ev });
    } catch (e) {
      this.log(`Cannot read peer states for ubus subscribers: ${errorMessage(e)}`);
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.obj?.remove();
    this.ubus?.close();
    this.obj = null;
    this.ubus = null;
  }
}
