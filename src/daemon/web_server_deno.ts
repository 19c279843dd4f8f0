import { createApp } from "../../web/app.ts";
import type { TicketStore } from "../../web/sso_tickets.ts";
import { errorMessage } from "../lib/errors.ts";
import { VERSION } from "../version.ts";
import type { Daemon } from "./daemon.ts";
import type { Dispatch } from "./control_server_deno.ts";
import type { WebListen } from "./web_ticket.ts";

/**
 * The web UI, on the router's LAN address only (never the WAN): the same control methods as
 * the socket, behind the router's own login.
 */
export class WebServer {
  private server: Deno.HttpServer | undefined;
  address: string | undefined;
  /** Where it listens, once started. */
  listen: WebListen | undefined;

  constructor(
    private readonly d: Daemon,
    private readonly dispatch: Dispatch,
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
    }, {
      onError: (e) => this.d.log(`web: ${errorMessage(e)}`),
      ...(this.tickets ? { tickets: this.tickets } : {}),
    });
    try {
      this.server = Deno.serve(
        { hostname: lan, port: cfg.webPort, onListen: () => {} },
        (req, info) => app.fetch(req, info),
      );
      this.address = `${lan}:${cfg.webPort}`;
      this.listen = { host: lan, port: cfg.webPort };
      this.d.log(`web UI on http://${this.address}/`);
    } catch (e) {
      this.d.log(`Cannot start the web UI on ${lan}:${cfg.webPort}: ${errorMessage(e)}`);
    }
  }

  async stop(): Promise<void> {
    this.listen = undefined;
    await this.server?.shutdown();
  }
}
