// The whole handoff without a browser: a LuCI login with the luci-app-punch write ACL calls
// `punch web_ticket` on the ubusd/rpcd double (with its session, as uhttpd passes it), punchd's
// UbusService runs the real web.ticket handler, and the web UI's /sso turns that ticket into a
// session for that login.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { Daemon } from "../../src/daemon/daemon.ts";
import { UbusService } from "../../src/daemon/ubus_service.ts";
import { webTicketHandler } from "../../src/daemon/web_ticket.ts";
import { UbusClient } from "../../src/ubus/mod.ts";
import { createApp } from "../../web/app.ts";
import { TicketStore } from "../../web/sso_tickets.ts";
import { type Lab, startLab } from "../ubus/helpers.ts";
import { Client } from "../web/client.ts";
import { FakeControl, fakeDeps } from "../web/fake_control.ts";

const ACL = new URL(
  "../../openwrt/luci-app-punch/root/usr/share/rpcd/acl.d/luci-app-punch.json",
  import.meta.url,
);

describe("LuCI -> ubus web_ticket -> /sso", () => {
  let lab: Lab;
  let caller: UbusClient;
  let svc: UbusService;
  const deps = fakeDeps(new FakeControl());
  const tickets = new TicketStore({ now: deps.now!, random: deps.random! });
  const app = createApp(deps, { tickets });

  beforeEach(async () => {
    lab = await startLab({
      acls: JSON.parse(Deno.readTextFileSync(ACL)),
      users: [{ username: "luciadmin", password: "la", write: ["luci-app-punch"] }],
    });
    caller = await UbusClient.connect(lab.socketPath, { timeoutMs: 2000 });
    const handler = webTicketHandler(tickets, () => ({ host: "192.168.1.1", port: 8451 }));
    svc = new UbusService(
      lab.socketPath,
      (m, p) => m === handler.name ? handler.run({} as Daemon, p) : Promise.reject(new Error("no")),
      () => {},
      60_000,
    );
    await svc.start();
  });

  afterEach(async () => {
    svc.stop();
    caller.close();
    await lab.cleanup();
  });

  test("the ticket signs the browser in as the LuCI login, once", async () => {
    const s = await caller.call("session", "login", { username: "luciadmin", password: "la" });
    const r = await caller.call("punch", "web_ticket", {
      ubus_rpc_session: s.ubus_rpc_session as string,
    }) as { ticket: string; url: string; port: number; expiresIn: number };
    expect(r).toMatchObject({ port: 8451, expiresIn: 30 });
    expect(r.url).toBe(`http://192.168.1.1:8451/sso?ticket=${r.ticket}`);
    const browser = new Client(app);
    const sso = await browser.get(`/sso?ticket=${encodeURIComponent(r.ticket)}`);
    expect(sso.status).toBe(303);
    expect(await (await browser.get("/")).text()).toContain("Sign out luciadmin");
    expect((await new Client(app).get(`/sso?ticket=${r.ticket}`)).status).toBe(403);
  });
});
