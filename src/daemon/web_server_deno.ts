import { createApp } from "../../web/app.ts";
import type { TicketStore } from "../../web/sso_tickets.ts";
import { errorMessage } from "../lib/errors.ts";
import { VERSION } from "../version.ts";
import type { Daemon } from "./daemon.ts";
import type { Dispatch } from "./control_server_deno.ts";
import type { WebListen } from "./web_ticket.ts";
import { HttpGuard } from "./http_guard_deno.ts";
import { PEER_HEADER } from "./http_head.ts";

/**
 * The web UI, on the router's LAN address only (never the WAN): the same control methods as
 * the socket, behind the router's own login.
 */
export class WebServer {
  private server: Deno.HttpServer | undefined;
  private guard: HttpGuard | undefined;
  address: string | undefined;
  /** Where it listens, once started. */
  listen: WebListen | undefined;

  /** `runDir` holds the Unix socket between the guard and Deno.serve (next to punchd.sock). */
  constructor(
    private readonly d: Daemon,
    private readonly dispatch: Dispatch,
    private readonly runDir: string,
    private readonly tickets?: TicketStore,
  ) {}

  async start(): Promise<void> {
    const cfg = await this.d.punchConfig();
    if (!cfg.webPort) return;
    const lan = await this.d.platform.system.lanAddress();
    const wan = (await this.d.platform.system.wan()).address;
    if (!lan || lan === wan) {
      this.d.log("web UI not started: no LAN address to listen on (it is never served on the WAN)");
      return;
    }
    const app = createApp({
      control: (method, params) => this.dispatch(method, params ?? {}),
      auth: this.d.platform.auth,
      version: VERSION,
      hosts: () => webHosts(lan, Deno.hostname()),
    }, {
      onError: (e) => this.d.log(`web: ${errorMessage(e)}`),
      ...(this.tickets ? { tickets: this.tickets } : {}),
    });
    // Deno.serve does not bound how long a request head may take: the guard in front does, and
    // hands Deno.serve (on a Unix socket only punchd reaches) one request per connection.
    const path = `${this.runDir}/web.sock`;
    try {
      await Deno.remove(path).catch(() => {});
      const oldUmask = Deno.umask(0o177);
      try {
        this.server = Deno.serve(
          { transport: "unix", path, onListen: () => {} },
          (req) => {
            const hostname = req.headers.get(PEER_HEADER) ?? "local";
            return app.fetch(asTcp(req, `${lan}:${cfg.webPort}`), {
              remoteAddr: { transport: "tcp", hostname, port: 0 },
            });
          },
        );
      } finally {
        Deno.umask(oldUmask);
      }
      this.guard = new HttpGuard(path);
      this.guard.listen(lan, cfg.webPort);
      this.d.addStatus("web", () => ({ refusedConnections: this.guard?.refused ?? 0 }));
      this.address = `${lan}:${cfg.webPort}`;
      this.listen = { host: lan, port: cfg.webPort };
      this.d.log(`web UI on http://${this.address}/`);
    } catch (e) {
      this.d.log(`Cannot start the web UI on ${lan}:${cfg.webPort}: ${errorMessage(e)}`);
    }
  }

  async stop(): Promise<void> {
    this.listen = undefined;
    this.guard?.close();
    await this.server?.shutdown();
    await Deno.remove(`${this.runDir}/web.sock`).catch(() => {});
  }
}

/**
 * A request that came through the Unix socket, with the URL the browser used (http, its Host
 * header; `fallback` when that is no host at all): the origin check compares against it.
 */
function asTcp(req: Request, fallback: string): Request {
  const u = new URL(req.url);
  let url: URL;
  try {
    url = new URL(`${u.pathname}${u.search}`, `http://${req.headers.get("host") ?? fallback}`);
  } catch {
    url = new URL(`${u.pathname}${u.search}`, `http://${fallback}`);
  }
  return new Request(url, req);
}

/**
 * What the web UI answers to in the Host header: the LAN address first (named in the refusal),
 * the hostname and the hostname under OpenWrt's default local domain `lan`.
 */
export function webHosts(lan: string, hostname: string): string[] {
  const h = hostname.trim().toLowerCase();
  return [lan, ...(h ? [h, `${h}.lan`] : [])];
}
