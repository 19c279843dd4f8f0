import { describe, expect, test } from "vitest";
import { dnsHostEntries, dnsHostsFile, dnsLabel } from "../../src/daemon/dns_hosts.ts";
import type { WgInterfaceModel, WgPeerModel } from "../../src/uci/mod.ts";

const peer = (p: Partial<WgPeerModel>): WgPeerModel => ({
  name: "punch_x",
  anonymous: false,
  description: "",
  publicKey: "K",
  allowedIps: [],
  routeAllowedIps: true,
  disabled: false,
  ...p,
});

const model = (peers: WgPeerModel[]): WgInterfaceModel => ({
  name: "wg0",
  privateKey: "",
  addresses: ["10.77.36.184/16", "fd77::1/64"],
  nohostroute: false,
  peers,
});

describe("dnsLabel", () => {
  test("lowercase letters, digits and dashes; at most 63; null when nothing is left", () => {
    expect(dnsLabel("Cabin")).toBe("cabin");
    expect(dnsLabel("Aunt's house")).toBe("aunt-s-house");
    expect(dnsLabel("--x--")).toBe("x");
    expect(dnsLabel("ÄÖ")).toBe(null);
    expect(dnsLabel("a".repeat(70))).toBe("a".repeat(63));
    expect(dnsLabel(`${"a".repeat(62)}-b`)).toBe("a".repeat(62));
  });
});

describe("dnsHostEntries", () => {
  test("this router and each peer by name, tunnel addresses only (not routed LAN hosts)", () => {
    const m = model([
      peer({ description: "Cabin", allowedIps: ["10.77.0.9/32", "192.168.50.0/24", "fd77::9"] }),
      peer({ name: "aunt", allowedIps: ["10.77.1.2", "192.168.60.7/32"] }),
    ]);
    expect(dnsHostEntries(m, "home", "punch")).toEqual([
      ["10.77.36.184", "home.punch"],
      ["fd77::1", "home.punch"],
      ["10.77.0.9", "cabin.punch"],
      ["fd77::9", "cabin.punch"],
      ["10.77.1.2", "aunt.punch"],
    ]);
  });

  test("disabled, nameless and duplicate-named peers and peers without a tunnel address are left out", () => {
    const m = model([
      peer({ description: "off", disabled: true, allowedIps: ["10.77.0.1/32"] }),
      peer({ anonymous: true, name: "cfg0123", allowedIps: ["10.77.0.2/32"] }),
      peer({ description: "Home", allowedIps: ["10.77.0.3/32"] }),
      peer({ description: "lan-only", allowedIps: ["192.168.9.0/24"] }),
      peer({ description: "ok", allowedIps: ["10.77.0.4/32"] }),
    ]);
    expect(dnsHostEntries(m, "home", "home.arpa").map(([, n]) => n)).toEqual([
      "home.home.arpa",
      "home.home.arpa",
      "ok.home.arpa",
    ]);
    expect(dnsHostEntries(m, "", "punch").map(([, n]) => n)).toContain("home.punch");
  });

  test("the file: a comment and ADDRESS NAME lines", () => {
    expect(dnsHostsFile([["10.77.0.9", "cabin.punch"]])).toMatch(
      /^# Punch: .*\n10\.77\.0\.9 cabin\.punch\n$/,
    );
  });
});
