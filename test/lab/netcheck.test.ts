// Netcheck against real NATs: one lab, one router per NAT variant, coturn (then Punch's own server)
// on the two-address STUN host. The runner (src/nat/netcheck_cli.ts) runs inside each router.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Lab, labUp, REPO_ROOT } from "./lab.ts";
import { INTERNET_HOSTS } from "./presets.ts";
import type { NetcheckReport } from "../../src/nat/netcheck_report.ts";

const NAME = "nc";
const STUN = "203.0.113.3:3478";

/** Variant table: router spec, expected verdict, mapping, whether the port survives. */
const VARIANTS = [
  {
    id: "a",
    variant: "none",
    upstream: [],
    verdict: "public",
    mapping: "endpoint-independent",
    portPreserved: true,
  },
  {
    id: "b",
    variant: "cone",
    upstream: [{ kind: "cone", inside: "10.0.2.0/24" }],
    verdict: "double-nat",
    mapping: "endpoint-independent",
    portPreserved: true,
  },
  {
    id: "c",
    variant: "symmetric",
    upstream: [{ kind: "symmetric", inside: "10.0.3.0/24" }],
    verdict: "hard-nat",
    mapping: "address-and-port-dependent",
    portPreserved: false,
  },
  {
    id: "d",
    variant: "cgnat",
    upstream: [{ kind: "cone", inside: "100.64.0.0/24" }],
    verdict: "cgnat",
    mapping: "endpoint-independent",
    portPreserved: true,
  },
  {
    id: "e",
    variant: "cgnat behind a modem",
    upstream: [{ kind: "cone", inside: "10.0.5.0/24" }, { kind: "cone", inside: "100.64.1.0/24" }],
    verdict: "cgnat", // seen through traceroute: hop 2 is 100.64.1.1
    mapping: "endpoint-independent",
    portPreserved: true,
  },
] as const;

let lab: Lab;
const durations: number[] = [];

async function netcheck(id: string, extra: string[] = []): Promise<NetcheckReport> {
  const r = await lab.exec(id, [
    Deno.execPath(),
    "run",
    "-A",
    "--no-config",
    "--unstable-net",
    `${REPO_ROOT}/src/nat/netcheck_cli.ts`,
    "--server",
    STUN,
    "--wan",
    lab.wanAddress(id),
    "--json",
    // Lab round trips are well under a millisecond; a shorter budget keeps the file under a minute.
    "--timeout",
    "1000",
    ...extra,
  ], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`netcheck on "${id}" failed (${r.code}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as NetcheckReport;
  durations.push(report.durationMs);
  return report;
}

beforeAll(async () => {
  lab = await labUp({
    name: NAME,
    routers: VARIANTS.map((v) => ({ id: v.id, hosts: 0, upstream: [...v.upstream] })),
    internetHosts: INTERNET_HOSTS,
  });
});

afterAll(async () => {
  await lab?.down();
  if (durations.length > 0) {
    const sorted = [...durations].sort((a, b) => a - b);
    console.log(
      `netcheck durations (ms): ${sorted.join(", ")}; median ${
        sorted[Math.floor(sorted.length / 2)]
      }`,
    );
  }
});

describe.each(
  [
    ["coturn", undefined],
    ["Punch's own STUN server", "punch"],
  ] as const,
)("netcheck per NAT variant against %s", (_label, server) => {
  let pid = 0;
  beforeAll(async () => {
    const ours = [
      Deno.execPath(),
      "eval",
      "--no-config",
      "--unstable-net",
      `import { startStunServer } from "file://${REPO_ROOT}/src/stun/stun_server_deno.ts";
       startStunServer({ primary: { host: "203.0.113.3", port: 3478 },
         alternate: { host: "203.0.113.4", port: 3479 }, software: "punch" });`,
    ];
    pid = (await lab.startStun("stun", server === "punch" ? ours : undefined)).pid;
    // A listening socket is not yet an answering server (coturn starts its workers after binding):
    // wait, bounded, until a Binding request from the public router is answered.
    const before = durations.length;
    for (let i = 0; i < 10; i++) {
      if ((await netcheck(VARIANTS[0]!.id)).verdict !== "unknown") break;
    }
    durations.length = before; // warm-up runs are not measurements
  }, 60_000);
  afterAll(async () => {
    if (pid) await lab.kill(pid);
  });

  test.each(VARIANTS)("$variant → $verdict", async (v) => {
    const r = await netcheck(v.id);
    expect(r.verdict, JSON.stringify(r, null, 2)).toBe(v.verdict);
    expect(r.mapping).toBe(v.mapping);
    expect(r.publicV4?.host).toBe(lab.publicAddress(v.id));
    expect(r.servers[0]?.error).toBeUndefined();
    expect(r.portPreserved).toBe(v.portPreserved);
    // The router's fw4 drops unsolicited WAN input; every NAT variant filters by address and port.
    expect(r.filtering).toBe("address-and-port-dependent");
  });

  test("mapping lifetime: the cone NAT's 2 s UDP timeout is bracketed", async () => {
    await lab.exec("b-up0", [
      "sysctl",
      "-qw",
      "net.netfilter.nf_conntrack_udp_timeout=2",
      "net.netfilter.nf_conntrack_udp_timeout_stream=2",
    ]);
    const r = await netcheck("b", ["--lifetime", "1000,4000", "--no-trace"]);
    expect(r.mappingLifetime, JSON.stringify(r.notes)).toEqual({ atLeastMs: 1000, atMostMs: 4000 });
  });

  test("Debian's stun client agrees on the mapping behind cone and symmetric NATs", async () => {
    for (const [id, words] of [["b", "Independent Mapping"], ["c", "Dependent Mapping"]] as const) {
      const r = await lab.exec(id, ["stun", "203.0.113.3"], { timeoutMs: 20_000 });
      expect(r.stdout, r.stdout + r.stderr).toContain(words);
    }
  });
});
