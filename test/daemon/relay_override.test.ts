import { describe, expect, test } from "vitest";
import { desiredFrom } from "../../src/daemon/daemon.ts";
import { readRelayOption } from "../../src/uci/mod.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { formatRelay } from "../../src/cli/format.ts";
import type { WgInterfaceModel } from "../../src/uci/mod.ts";

const KEY = "urJ+pyK7ui0JFJ9VMsJcFVjyUgKxr0pxjqXTbfZFaTQ=";

describe("relay: runtime endpoint, option relay, status text", () => {
  test("a runtime override wins over the configured endpoint (RAM, not UCI)", () => {
    const model = {
      name: "wg0",
      privateKey: "",
      addresses: ["10.77.0.1/16"],
      peers: [{
        name: "p1",
        publicKey: KEY,
        allowedIps: ["10.77.0.2/32"],
        endpointHost: "198.51.100.7",
        endpointPort: 51820,
        routeAllowedIps: true,
        disabled: false,
        description: "",
      }],
    } as unknown as WgInterfaceModel;
    expect(desiredFrom(model, 51820).peers[0]!.endpoint).toBe("198.51.100.7:51820");
    const o = new Map([[KEY, { endpoint: "203.0.113.30:51830", relay: "c", since: 0 }]]);
    expect(desiredFrom(model, 51820, o).peers[0]!.endpoint).toBe("203.0.113.30:51830");
    expect(model.peers[0]!.endpointHost).toBe("198.51.100.7");
  });

  test("option relay: on by default, '0' refuses, nonsense is a ParseError", () => {
    const sec = (v?: string) => [{
      type: "punch",
      name: "main",
      anonymous: false,
      options: v === undefined ? {} : { relay: v },
    }];
    expect(readRelayOption([])).toBe(true);
    expect(readRelayOption(sec())).toBe(true);
    expect(readRelayOption(sec("1"))).toBe(true);
    expect(readRelayOption(sec("0"))).toBe(false);
    expect(() => readRelayOption(sec("maybe"))).toThrow(ParseError);
    expect(() => readRelayOption(sec("maybe"))).toThrow(/use '1' to relay/);
  });

  test("punchctl status lists who relays through this router", () => {
    expect(formatRelay([{
      a: "a",
      b: "b",
      ports: [51830, 51831],
      forwarding: "kernel",
      packets: 12,
      bytes: 2048,
      idleSec: 3,
    }])).toEqual(["relaying for a ↔ b: ports 51830/51831, kernel, 12 packets (2.0 KiB), idle 3 s"]);
  });
});
