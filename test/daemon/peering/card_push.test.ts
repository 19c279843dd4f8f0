import { describe, expect, test } from "vitest";
import {
  BUNDLE_BYTES,
  isTunnelSource,
  packBundles,
  pushTargets,
} from "../../../src/daemon/peering/card_push.ts";
import { cardsView } from "../../../src/daemon/peering/cards_view.ts";
import { emptyState, stateFromJSON } from "../../../src/daemon/peering/peering_state.ts";
import { decodeCardBundle } from "../../../src/peer/mod.ts";
import { readPeeringOptions } from "../../../src/daemon/peering/peering_options.ts";
import { makeRouter } from "../../peer/fixtures.ts";

const own = makeRouter("own");
const b = makeRouter("bravo");
const c = makeRouter("charlie", { endpoints: [] });
const d = makeRouter("delta");

describe("card push", () => {
  test("targets: each peer's tunnel address and best endpoint, on its control port", () => {
    const paired = [{
      wgPublicKey: b.wg,
      signPublicKey: b.sign,
      name: "bravo",
      pairedAt: 0,
      controlPort: 6000,
    }, {
      wgPublicKey: d.wg,
      signPublicKey: d.sign,
      name: "delta",
      pairedAt: 0,
      tunnel: ["10.77.0.9/16"],
      endpoints: ["198.51.100.9:51820"],
    }];
    expect(pushTargets([b.signed, c.signed], paired, 51821)).toEqual([
      { host: "10.77.0.5", port: 6000 },
      { host: "198.51.100.5", port: 6000 },
      { host: "10.77.0.7", port: 51821 },
      { host: "10.77.0.9", port: 51821 },
      { host: "198.51.100.9", port: 51821 },
    ]);
  });

  test("bundles: ours first, every card once, each datagram small", () => {
    const many = Array.from({ length: 9 }, (_, i) => makeRouter(`peer${i}`).signed);
    const bundles = packBundles(own.signed, many);
    expect(bundles.length).toBeGreaterThan(1);
    for (const x of bundles) expect(x.length).toBeLessThanOrEqual(BUNDLE_BYTES);
    const all = bundles.flatMap((x) => decodeCardBundle(x)!);
    expect(all.length).toBe(10);
    expect(all[0]).toEqual(own.signed.bytes);
  });

  test("tunnel sources are the peers' tunnel addresses only", () => {
    expect(isTunnelSource("10.77.0.5", [b.signed], [])).toBe(true);
    expect(isTunnelSource("198.51.100.5", [b.signed], [])).toBe(false);
    expect(
      isTunnelSource("10.77.0.9", [], [{
        wgPublicKey: d.wg,
        signPublicKey: d.sign,
        name: "",
        pairedAt: 0,
        tunnel: ["10.77.0.9/16"],
      }]),
    ).toBe(true);
  });
});

describe("cards view and state", () => {
  test("ours first, then stored cards, then paired routers without a card yet", () => {
    const rows = cardsView(own.signed, [b.signed], [
      { wgPublicKey: b.wg, signPublicKey: b.sign, name: "bravo", pairedAt: 0 },
      { wgPublicKey: d.wg, signPublicKey: d.sign, name: "delta", pairedAt: 0 },
    ]);
    expect(rows.map((r) => [r.name, r.self, r.paired, r.seq])).toEqual([
      ["own", true, false, 1],
      ["bravo", false, true, 1],
      ["delta", false, true, 0],
    ]);
    expect(rows[1]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  test("state round-trips and rejects other shapes", () => {
    const s = emptyState();
    expect(stateFromJSON(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(() => stateFromJSON({ version: 2 })).toThrow(/unknown version/);
    expect(() => stateFromJSON({ version: 1, seq: 1, invites: [], paired: [{}] })).toThrow(
      /lacks its keys/,
    );
  });
});

describe("peering options", () => {
  const punch = (options: Record<string, string>) => [
    { type: "punch", name: "main", anonymous: false, options },
  ];
  test("control port and DNS name from the punch section, with safe defaults", () => {
    expect(readPeeringOptions([])).toEqual({ controlPort: 51821 });
    expect(readPeeringOptions(punch({ control_port: "6000", dns_name: "home.example.org" })))
      .toEqual({ controlPort: 6000, dnsName: "home.example.org" });
    for (const bad of ["0", "70000", "x", "-1"]) {
      expect(readPeeringOptions(punch({ control_port: bad })).controlPort, bad).toBe(51821);
    }
    expect(readPeeringOptions(punch({ dns_name: "bad name!" }))).toEqual({ controlPort: 51821 });
  });
});
