import { describe, expect, test } from "vitest";
import { lanHint, type LanHintInput, lanHintState } from "../../src/daemon/lan_hints.ts";

const base: LanHintInput = {
  name: "nas",
  host: "192.168.1.20:51820",
  publicEndpoint: "203.0.113.10:51821",
  namedRemotes: [],
  cardRemotes: [],
  routers: [],
};

describe("LAN host hints, one per state", () => {
  test("no Punch router paired: pair one, --remote only for a remote without Punch", () => {
    expect(lanHintState(base)).toBe("unpaired");
    const hint = lanHint(base);
    expect(hint).toMatch(/^No Punch router is paired yet: pair one \(punchctl invite here/);
    expect(hint).toContain("pinholes for its LAN hosts open by themselves");
    expect(hint).toContain(
      "For a remote that does not run Punch, give it 203.0.113.10:51821 and name its endpoint: " +
        "punchctl lan add 192.168.1.20:51820 --name nas --remote IP:PORT",
    );
  });

  test("no Punch router, remotes named: only those get through", () => {
    const x = { ...base, namedRemotes: ["198.51.100.4:51820"] };
    expect(lanHintState(x)).toBe("unpaired-named");
    expect(lanHint(x)).toBe(
      "Pinholes open for 198.51.100.4:51820 only; give them 203.0.113.10:51821 as this host's endpoint",
    );
  });

  test("paired, the card has not arrived: wait for it, nothing to name", () => {
    const x = { ...base, routers: [{ name: "b", cardReceived: false }] };
    expect(lanHintState(x)).toBe("waiting-card");
    const hint = lanHint(x);
    expect(hint).toMatch(/^Waiting for the card of "b" \(see punchctl cards\)/);
    expect(hint).toContain("it learns 203.0.113.10:51821 from this router's card");
    expect(hint).not.toContain("--remote IP:PORT");
  });

  test("paired, card here but no LAN host on the other side: add one there", () => {
    const x = { ...base, routers: [{ name: "b", cardReceived: true }] };
    expect(lanHintState(x)).toBe("card-no-hosts");
    expect(lanHint(x)).toBe(
      "Paired routers learn 203.0.113.10:51821 from this router's card and open their side by " +
        "themselves; pinholes here open once one of them adds a LAN host (punchctl lan add there)",
    );
  });

  test("paired, the card lists LAN hosts: pinholes are open, no --remote needed", () => {
    const x = {
      ...base,
      routers: [{ name: "b", cardReceived: true }],
      cardRemotes: ["203.0.113.20:51821"],
    };
    expect(lanHintState(x)).toBe("card-hosts");
    expect(lanHint(x)).toBe(
      "Pinholes open for the LAN hosts of paired routers (203.0.113.20:51821); they learn " +
        "203.0.113.10:51821 from this router's card and open their side by themselves, no " +
        "--remote needed",
    );
  });

  test("paired and remotes named too: both are said; no WAN address yet is said", () => {
    const x = {
      ...base,
      routers: [{ name: "b", cardReceived: true }],
      namedRemotes: ["198.51.100.4:51820"],
    };
    delete (x as Partial<LanHintInput>).publicEndpoint;
    const hint = lanHint(x);
    expect(hint).toContain("known once the WAN has an address");
    expect(hint).toMatch(/; also open for 198\.51\.100\.4:51820 \(named with --remote\)$/);
  });
});
