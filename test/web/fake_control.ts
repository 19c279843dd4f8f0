import type { WebDeps } from "../../web/app.ts";

/** In-memory stand-in for punchd's control API, enough for the UI's pages. */
export class FakeControl {
  calls: { method: string; params: Record<string, unknown> | undefined }[] = [];
  /** Method name → message to throw instead of answering. */
  failures = new Map<string, string>();
  peers: Record<string, unknown>[] = [
    {
      name: "grandma",
      description: "Oma's router",
      publicKey: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
      endpoint: "198.51.100.7:51820",
      allowedIps: ["10.77.0.2/32", "192.168.2.0/24"],
      latestHandshake: 1_700_000_000 - 30,
      rxBytes: 123456,
      txBytes: 7890,
      state: "connected",
    },
    {
      name: "office",
      publicKey: "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=",
      allowedIps: ["10.77.0.3/32"],
      latestHandshake: 0,
      rxBytes: 0,
      txBytes: 0,
      state: "never",
    },
  ];
  lan: Record<string, unknown>[] = [];
  report = {
    verdict: "direct",
    advice: "Direct tunnels should work from here",
    publicV4: { host: "203.0.113.5", port: 40123 },
    mapping: "endpoint-independent",
    filtering: "address-and-port-dependent",
    servers: [
      {
        server: "127.0.0.1:3478",
        rttMs: 1.4,
        mapped: { host: "203.0.113.5", port: 40123 },
        error: null,
      },
      { server: "127.0.0.2:3478", rttMs: null, mapped: null, error: "timed out after 2000 ms" },
    ],
    checkedAt: 1_700_000_000,
    durationMs: 812,
    notes: ["Hairpinning not tested"],
  };

  control: WebDeps["control"] = async (method, params) => {
    this.calls.push({ method, params });
    await Promise.resolve();
    const fail = this.failures.get(method);
    if (fail !== undefined) throw new Error(fail);
    const p = params ?? {};
    switch (method) {
      case "status":
        return {
          name: "home",
          interface: "punch0",
          publicKey: "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=",
          listenPort: 51820,
          addresses: ["10.77.0.1/24"],
          wan: { address: "203.0.113.5" },
          netcheck: this.report,
          peers: this.peers,
          lanHosts: this.lan,
          warnings: [],
        };
      case "peer.list":
        return this.peers;
      case "peer.add":
        this.peers.push({ ...p, rxBytes: 0, txBytes: 0, state: "never" });
        return { ok: true };
      case "peer.remove": {
        const before = this.peers.length;
        this.peers = this.peers.filter((x) => x.name !== p.peer && x.publicKey !== p.peer);
        if (this.peers.length === before) {
          throw new Error(`No peer "${String(p.peer)}"; check the name on the Peers page`);
        }
        return { ok: true };
      }
      case "netcheck":
        return this.report;
      case "invite.create":
        return { token: "punch1:" + "A".repeat(180) + (p.name ?? ""), expiresAt: 1_700_086_400 };
      case "invite.join":
        return { peer: { name: p.name ?? "inviter" }, reply: "punch1r:" + "B".repeat(150) };
      case "invite.accept":
        return { peer: { name: "joiner" } };
      case "lan.add": {
        const host = {
          ...p,
          publicPort: 40000 + this.lan.length,
          publicEndpoint: `203.0.113.5:${40000 + this.lan.length}`,
          remotes: p.remote ? [p.remote] : [],
          hint: "No Punch router is paired yet: pair one",
        };
        this.lan.push(host);
        return host;
      }
      case "lan.remove":
        this.lan = this.lan.filter((x) => x.name !== p.name);
        return { ok: true };
      case "lan.list":
        return this.lan;
      case "lan.config":
        return {
          text:
            `[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.77.0.9/32\n\n[Peer]\nPublicKey = HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=\nEndpoint = 203.0.113.5:51820\nAllowedIPs = 10.77.0.0/24\n# ${
              String(p.name)
            }\n`,
        };
      default:
        throw new Error(`Unknown method "${method}"`);
    }
  };
}

/** Deps with a fake control, a fixed clock and counter-based randomness. */
export function fakeDeps(
  fc = new FakeControl(),
  users: Record<string, string> = { root: "secret" },
) {
  let clock = 1_700_000_000_000;
  let counter = 0;
  const deps: WebDeps & { advance(ms: number): void } = {
    control: fc.control,
    auth: { login: (u, p) => Promise.resolve(users[u] !== undefined && users[u] === p) },
    now: () => clock,
    random: (n) => {
      const b = new Uint8Array(n);
      counter++;
      for (let i = 0; i < n; i++) b[i] = (counter * 31 + i * 7) & 0xff;
      return b;
    },
    version: "0.1.0-test",
    advance(ms) {
      clock += ms;
    },
  };
  return deps;
}
