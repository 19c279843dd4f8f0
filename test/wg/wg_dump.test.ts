import { describe, expect, test } from "vitest";
import { parseWgDump } from "../../src/wg/wg_dump.ts";
import { ParseError } from "../../src/lib/errors.ts";

const vector = (name: string) =>
  Deno.readTextFileSync(new URL(`../vectors/wg/${name}`, import.meta.url));

describe("wg show dump parser", () => {
  test("parses a dump captured from wireguard-go + wg (three peers: endpoint, psk, bare)", () => {
    const d = parseWgDump(vector("dump_three_peers.txt"));
    expect(d.iface.publicKey).toBe("kAnKEasY+gErsAo6wBqjEUBfEeHhIxElWW4d79nhz1Q=");
    expect(d.iface.listenPort).toBe(51820);
    expect(d.iface.fwmark).toBeNull();
    expect(d.peers).toHaveLength(3);
    const [a, b, c] = d.peers;
    expect(a).toMatchObject({
      endpoint: "203.0.113.20:51820",
      allowedIps: ["10.77.0.2/32", "192.168.2.0/24"],
      persistentKeepalive: 5,
      presharedKey: null,
      latestHandshake: 0,
    });
    expect(b!.presharedKey).toMatch(/=$/);
    expect(b!.persistentKeepalive).toBeNull();
    expect(c).toMatchObject({ endpoint: null, allowedIps: [], rxBytes: 0, txBytes: 0 });
  });

  test("an interface with fwmark and a handshake", () => {
    const d = parseWgDump(
      "(none)\tpub=\t0\t0x1234\n" +
        "k=\t(none)\t[2001:db8::1]:51820\t::/0\t1700000000\t10\t20\t25\n",
    );
    expect(d.iface).toMatchObject({ privateKey: null, fwmark: 0x1234 });
    expect(d.peers[0]).toMatchObject({
      endpoint: "[2001:db8::1]:51820",
      latestHandshake: 1700000000,
      rxBytes: 10,
    });
  });

  test.each([
    ["", /empty output/],
    ["a\tb\tc\n", /interface line has 3 fields/],
    ["a\tb\tx\toff\n", /listen port "x"/],
    ["a\tb\t1\toff\np\t(none)\t(none)\t(none)\t0\t0\t0\n", /peer line has 7 fields.*line 2/],
    ["a\tb\t1\toff\np\t(none)\t(none)\t(none)\t0\t-1\t0\toff\n", /rx bytes "-1"/],
  ])("malformed dump %j is a ParseError", (text, msg) => {
    expect(() => parseWgDump(text)).toThrow(ParseError);
    expect(() => parseWgDump(text)).toThrow(msg);
  });
});
