import { describe, expect, test } from "vitest";
import {
  conntrackFilterArgs,
  parseConntrackList,
  selectEntries,
  shadowingFilters,
} from "../../src/assist/conntrack.ts";
import type { Mapping } from "../../src/assist/rules.ts";

const m: Mapping = {
  name: "a1",
  lanAddress: "192.168.1.10",
  lanPort: 51820,
  remoteAddress: "203.0.113.20",
  remotePort: 51821,
  wanAddress: "203.0.113.10",
  publicPort: 51821,
};

// In the form of `conntrack -L -p udp` on router a of the deadlocked lab, plus unrelated flows.
const LISTING = [
  // b's packets to our port, delivered to the router's own WireGuard
  "udp      17 29 src=203.0.113.20 dst=203.0.113.10 sport=51821 dport=51821 [UNREPLIED] src=203.0.113.10 dst=203.0.113.20 sport=51821 dport=51821 mark=0 use=1",
  // a1's flow, masqueraded to a random port
  "udp      17 29 src=192.168.1.10 dst=203.0.113.20 sport=51820 dport=51821 [UNREPLIED] src=203.0.113.20 dst=203.0.113.10 sport=51821 dport=40123 mark=0 use=1",
  // another LAN host holding our public mapping
  "udp      17 29 src=192.168.1.11 dst=203.0.113.20 sport=4000 dport=51821 src=203.0.113.20 dst=203.0.113.10 sport=51821 dport=51821 [ASSURED] mark=0 use=1",
  // unrelated: DNS, and the same host to another remote
  "udp      17 20 src=192.168.1.10 dst=203.0.113.3 sport=5353 dport=53 src=203.0.113.3 dst=203.0.113.10 sport=53 dport=5353 mark=0 use=1",
  "udp      17 29 src=192.168.1.10 dst=203.0.113.30 sport=51820 dport=51820 src=203.0.113.30 dst=203.0.113.10 sport=51820 dport=51820 mark=0 use=1",
  "tcp      6 431999 ESTABLISHED src=192.168.1.10 dst=203.0.113.20 sport=40000 dport=51821 src=203.0.113.20 dst=203.0.113.10 sport=51821 dport=40000 [ASSURED] mark=0 use=1",
  "conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.",
].join("\n");

describe("conntrack selection", () => {
  test("parses UDP entries with both tuples", () => {
    const entries = parseConntrackList(LISTING);
    expect(entries).toHaveLength(5);
    expect(entries[1]).toEqual({
      origSrc: "192.168.1.10",
      origDst: "203.0.113.20",
      origSport: 51820,
      origDport: 51821,
      replySrc: "203.0.113.20",
      replyDst: "203.0.113.10",
      replySport: 51821,
      replyDport: 40123,
    });
  });
  test("selects exactly the entries that shadow the mapping", () => {
    const picked = selectEntries(parseConntrackList(LISTING), shadowingFilters(m));
    expect(picked.map((e) => `${e.origSrc}:${e.origSport}`)).toEqual([
      "203.0.113.20:51821",
      "192.168.1.10:51820",
      "192.168.1.11:4000",
    ]);
  });
  test("filters become conntrack arguments", () => {
    expect(shadowingFilters(m).map(conntrackFilterArgs)).toEqual([
      [
        "-p",
        "udp",
        "--orig-src",
        "203.0.113.20",
        "--orig-dst",
        "203.0.113.10",
        "--orig-port-src",
        "51821",
        "--orig-port-dst",
        "51821",
      ],
      [
        "-p",
        "udp",
        "--orig-src",
        "192.168.1.10",
        "--orig-dst",
        "203.0.113.20",
        "--orig-port-src",
        "51820",
        "--orig-port-dst",
        "51821",
      ],
      [
        "-p",
        "udp",
        "--reply-src",
        "203.0.113.20",
        "--reply-dst",
        "203.0.113.10",
        "--reply-port-src",
        "51821",
        "--reply-port-dst",
        "51821",
      ],
    ]);
  });
});

describe("captured deadlock (router a, naive lab, conntrack -L -p udp)", () => {
  const text = Deno.readTextFileSync(
    new URL("../vectors/assist/conntrack_deadlock_router_a.txt", import.meta.url),
  );
  test("the LAN host's stale flow to the remote is selected, the router's own is not", () => {
    const entries = parseConntrackList(text);
    expect(entries).toHaveLength(2);
    const mapping: Mapping = { ...m, remotePort: 51820 };
    expect(selectEntries(entries, shadowingFilters(mapping))).toEqual([entries[1]]);
  });
});
