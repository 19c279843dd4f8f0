import type { TicketStore } from "../../web/sso_tickets.ts";
import type { Handler } from "./handlers.ts";

/** Who a ticket is for when the caller's login is unknown (`ubus call` as root on the router). */
export const DEFAULT_TICKET_USER = "root";

/**
 * `web.ticket` (ubus `punch web_ticket`): a single-use ticket that signs its holder into the web
 * UI at `http://<router>:<port>/sso?ticket=...`; refused while the web UI is not running.
 */
export function webTicketHandler(tickets: TicketStore, port: () => number | undefined): Handler {
  return {
    name: "web.ticket",
    summary: "a single-use ticket that signs into the web UI (GET /sso?ticket=...)",
    run: (_d, params) => {
      const p = port();
      if (p === undefined) {
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
      return Promise.resolve({ ...tickets.issue(user), port: p, path: "/sso" });
    },
  };
}
