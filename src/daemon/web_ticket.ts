import type { TicketStore } from "../../web/sso_tickets.ts";
import type { Handler } from "./handlers.ts";

/** Who a ticket is for when the caller's login is unknown (`ubus call` as root on the router). */
export const DEFAULT_TICKET_USER = "root";

/** Where the web UI listens: the router's LAN address and the port. */
export interface WebListen {
  host: string;
  port: number;
}

/** `http://HOST:PORT` (IPv6 in brackets). */
export function webBase(l: WebListen): string {
  return `http://${l.host.includes(":") ? `[${l.host}]` : l.host}:${l.port}`;
}

/**
 * `web.ticket` (ubus `punch web_ticket`, `punchctl web-link`): a single-use ticket that signs its
 * holder into the web UI at `http://<host>:<port>/sso?ticket=...`; refused while the web UI is not
 * running.
 */
export function webTicketHandler(
  tickets: TicketStore,
  listen: () => WebListen | undefined,
): Handler {
  return {
    name: "web.ticket",
    summary: "a single-use ticket that signs into the web UI (GET /sso?ticket=...)",
    run: (_d, params) => {
      const l = listen();
      if (l === undefined) {
        return Promise.reject(
          new Error(
            "The web UI is not running: set option web_port in /etc/config/punch and give the " +
              "router a LAN address, then try again",
          ),
        );
      }
      const user = typeof params.user === "string" && params.user !== ""
        ? params.user
        : DEFAULT_TICKET_USER;
      const t = tickets.issue(user);
      return Promise.resolve({
        ...t,
        host: l.host,
        port: l.port,
        path: "/sso",
        url: `${webBase(l)}/sso?ticket=${encodeURIComponent(t.ticket)}`,
      });
    },
  };
}
