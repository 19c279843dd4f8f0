import { describe, expect, test } from "vitest";
import { diffWg, wgSetArgs } from "../../src/wg/wg_diff.ts";
import type { WgDesired } from "../../src/wg/wg_desired.ts";
import { parseWgDump } from "../../src/wg/wg_dump.ts";
import { publicKeyOf } from "../../src/wg/keys.ts";

const PRIV = "YIRXCNwJ98vXLRX8z7XxbOaazrlnX0BtSfDUG/XUa1U=";
const P1 = "urJ+pyK7ui0JFJ9VMsJcFVjyUgKxr0pxjqXTbfZFaTQ=";
const P2 = "yv+scBrmoxvgFpWUeSz+gD6uu8xJpcmTf6i4ifj651k=";
const live = (peers: string) => parseWgDump(`${PRIV}\t${publicKeyOf(PRIV)}\t51820\toff\n${peers}`);
const want = (over: Partial<WgDesired> = {}): WgDesired => ({
  ifname: "wg0",
  privateKey: PRIV,
  listenPort: 51820,
  addresses: ["10.77.0.1/24"],
  peers: [{
    publicKey: P1,
    allowedIps: ["10.77.0.2/32"],
    endpoint: "203.0.113.20:51820",
    persistentKeepalive: 5,
    routeAllowedIps: true,
  }],
  ...over,
});
const NOW = 1_800_000_000;

describe("WireGuard diff", () => {
  test("nothing to do when live equals desired", () => {
    const l = live(`${P1}\t(none)\t203.0.113.20:51820\t10.77.0.2/32\t${NOW - 10}\t1\t2\t5\n`);
    expect(diffWg(want(), l, new Map([[P1, "203.0.113.20:51820"]]), NOW, publicKeyOf)).toEqual([]);
  });

  test("an allowed-ips change touches only that peer and only allowed-ips", () => {
    const l = live(`${P1}\t(none)\t203.0.113.20:51820\t10.77.0.2/32\t${NOW - 10}\t1\t2\t5\n`);
    const w = want();
    w.peers[0]!.allowedIps = ["192.168.2.0/24", "10.77.0.2"];
    const ops = diffWg(w, l, new Map([[P1, "203.0.113.20:51820"]]), NOW, publicKeyOf);
    expect(ops).toEqual([{
      kind: "set-peer",
      publicKey: P1,
      allowedIps: ["10.77.0.2/32", "192.168.2.0/24"],
    }]);
    expect(wgSetArgs(ops[0]!, w).args).toEqual([
      "peer",
      P1,
      "allowed-ips",
      "10.77.0.2/32,192.168.2.0/24",
    ]);
  });

  test("a roaming peer with a fresh handshake keeps its live endpoint", () => {
    const l = live(`${P1}\t(none)\t198.51.100.7:40000\t10.77.0.2/32\t${NOW - 10}\t1\t2\t5\n`);
    expect(diffWg(want(), l, new Map([[P1, "203.0.113.20:51820"]]), NOW, publicKeyOf)).toEqual([]);
  });

  test("a stale handshake re-applies the configured endpoint (re-resolution)", () => {
    const l = live(`${P1}\t(none)\t198.51.100.7:40000\t10.77.0.2/32\t${NOW - 500}\t1\t2\t5\n`);
    expect(diffWg(want(), l, new Map([[P1, "203.0.113.20:51820"]]), NOW, publicKeyOf)).toEqual([
      { kind: "set-peer", publicKey: P1, endpoint: "203.0.113.20:51820" },
    ]);
  });

  test("removed and new peers, new key, new port", () => {
    const l = parseWgDump(
      `(none)\tother=\t4000\toff\n${P2}\t(none)\t(none)\t(none)\t0\t0\t0\toff\n`,
    );
    const ops = diffWg(want(), l, new Map(), NOW, publicKeyOf);
    expect(ops.map((o) => o.kind)).toEqual([
      "set-private-key",
      "set-listen-port",
      "remove-peer",
      "set-peer",
    ]);
    expect(wgSetArgs(ops[0]!, want()).stdin).toBe(PRIV + "\n");
    expect(wgSetArgs(ops[0]!, want()).args.join(" ")).not.toContain(PRIV);
    expect(wgSetArgs(ops[3]!, want()).args).toEqual([
      "peer",
      P1,
      "allowed-ips",
      "10.77.0.2/32",
      "endpoint",
      "203.0.113.20:51820",
      "persistent-keepalive",
      "5",
    ]);
  });
});
