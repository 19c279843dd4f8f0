import { describe, expect, test } from "vitest";
import { ParseError, UsageError } from "../../src/lib/errors.ts";
import {
  addPeerChanges,
  applyChanges,
  createInterfaceChanges,
  parseUci,
  readWireguard,
  removePeerChanges,
  sections,
  type UciSection,
  updatePeerChanges,
  writeUci,
} from "../../src/uci/mod.ts";
import { fixture } from "./uci_helpers.ts";

const NET = fixture("network_wireguard");
const BOB = "InZ69ycbcF+vzJBoVwsadMup8d10R8d1ntWZX9nz1zI=";
const PHONE = "m+iGQGPgcdA/AWt4Uw+fym5uYhkFbVV7K3MpsDycdi0=";
const DAVE = "6yH2699hqzdlUQGL1rk82+a+iv3r6YCj1eZrmCpF7iE=";

/** The network fixture with one option of one section replaced. */
function withOption(section: string, option: string, value: string | string[]): UciSection[] {
  return sections(applyChanges(parseUci(NET), [{ op: "set", section, option, value }]));
}

function readError(list: UciSection[], ifname = "wg0"): string {
  try {
    readWireguard(list, ifname);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("readWireguard", () => {
  test("reads the interface and its peers", () => {
    const wg = readWireguard(sections(parseUci(NET)), "wg0");
    expect(wg).toEqual({
      name: "wg0",
      privateKey: "yENIs7qzYXcYqWyLHCbvUDKZkiqtIE8PG7TdYngjnXw=",
      listenPort: 51820,
      addresses: ["10.77.1.1/16", "fd77::1/64"],
      mtu: 1420,
      nohostroute: false,
      peers: [
        {
          name: "cfg0796fc",
          anonymous: true,
          description: "Bob's router",
          publicKey: BOB,
          presharedKey: "ZD8sQUtEq41Ugiak7w2w1mQ+STJJRCfHCBXFBIY865I=",
          allowedIps: ["10.77.2.0/24", "192.168.20.0/24"],
          endpointHost: "bob.example.net",
          endpointPort: 51820,
          persistentKeepalive: 25,
          routeAllowedIps: true,
          disabled: false,
        },
        {
          name: "cfg0896fc",
          anonymous: true,
          description: "Phone",
          publicKey: PHONE,
          allowedIps: ["10.77.1.2/32"],
          routeAllowedIps: false,
          disabled: true,
        },
        {
          name: "carol",
          anonymous: false,
          description: "",
          publicKey: "yYYkrV41ZcdT8+AAOt6V/cQUlC5gpmn7dP2Y+KsxwHY=",
          allowedIps: ["10.77.3.0/24"],
          endpointHost: "2001:db8::3",
          endpointPort: 51820,
          routeAllowedIps: true,
          disabled: false,
        },
      ],
    });
  });

  test("no such interface gives null; 'generate' gives an empty private key", () => {
    expect(readWireguard(sections(parseUci(NET)), "wg9")).toBeNull();
    expect(readWireguard(withOption("wg0", "private_key", "generate"), "wg0")!.privateKey).toBe("");
  });

  test("UCI booleans in all their spellings", () => {
    for (
      const [text, want] of [
        ["on", true],
        ["off", false],
        ["true", true],
        ["no", false],
        ["enabled", true],
        ["disabled", false],
        ["Yes", true],
      ] as const
    ) {
      const wg = readWireguard(withOption("carol", "route_allowed_ips", text), "wg0")!;
      expect(wg.peers[2]!.routeAllowedIps).toBe(want);
    }
  });

  const invalid: [string, string, string | string[], RegExp][] = [
    ["wan", "proto", "dhcp", /interface "wan": proto "dhcp" is not "wireguard"/],
    ["wg0", "private_key", "abc", /interface "wg0": private_key "abc" is not a WireGuard key/],
    ["wg0", "private_key", "yENIs7qzYXcYqWyLHCbvUDKZkiqtIE8PG7TdYngjnX==", /not a WireGuard key/],
    ["wg0", "listen_port", "70000", /listen_port "70000" must be a whole number from 1 to 65535/],
    ["wg0", "listen_port", "0", /listen_port "0"/],
    ["wg0", "addresses", ["10.77.1.1/33"], /addresses "10.77.1.1\/33" is not an IP prefix/],
    ["wg0", "mtu", "big", /mtu "big"/],
    ["wg0", "fwmark", "0xZZ", /fwmark "0xZZ" is not a number/],
    [
      "cfg0796fc",
      "public_key",
      "short",
      /peer "cfg0796fc" of "wg0": public_key "short" is not a WireGuard key/,
    ],
    ["cfg0796fc", "preshared_key", "x", /preshared_key "x"/],
    [
      "cfg0796fc",
      "allowed_ips",
      ["10.0.0.0/24", "nope"],
      /peer "cfg0796fc" of "wg0": allowed_ips "nope"/,
    ],
    ["cfg0796fc", "endpoint_port", "65536", /endpoint_port "65536"/],
    [
      "cfg0796fc",
      "endpoint_host",
      "[2001:db8::1]",
      /endpoint_host "\[2001:db8::1\]" is not a host name/,
    ],
    ["cfg0796fc", "persistent_keepalive", "-1", /persistent_keepalive "-1"/],
    ["cfg0796fc", "route_allowed_ips", "maybe", /route_allowed_ips "maybe" is not a boolean/],
    [
      "carol",
      "description",
      ["a", "b"],
      /peer "carol" of "wg0": description "a b" must be a single value/,
    ],
  ];
  for (const [section, option, value, message] of invalid) {
    test(`invalid ${section}.${option} = ${JSON.stringify(value)}`, () => {
      const list = withOption(section, option, value);
      expect(readError(list, section === "wan" ? "wan" : "wg0")).toMatch(message);
    });
  }

  test("a peer without public key and duplicate keys are errors", () => {
    expect(
      readError(
        sections(
          applyChanges(parseUci(NET), [{ op: "delete", section: "carol", option: "public_key" }]),
        ),
      ),
    )
      .toMatch(/peer "carol" of "wg0": public_key "" is missing/);
    expect(readError(withOption("carol", "public_key", BOB))).toMatch(
      /is also used by peer "cfg0796fc"/,
    );
    // a disabled duplicate is fine
    expect(readWireguard(withOption("cfg0896fc", "public_key", BOB), "wg0")!.peers).toHaveLength(3);
  });
});

describe("peer changes", () => {
  test("add, remove and update give exactly what `uci` + `uci commit` wrote", () => {
    const list = sections(parseUci(NET));
    const changes = [
      ...addPeerChanges("wg0", {
        description: "Dave's NAS",
        publicKey: DAVE,
        allowedIps: ["10.77.4.0/24", "192.168.40.0/24"],
        routeAllowedIps: true,
        endpointHost: "198.51.100.20",
        endpointPort: 40000,
        persistentKeepalive: 25,
      }),
      ...removePeerChanges(list, "wg0", PHONE),
      ...updatePeerChanges(list, "wg0", BOB, {
        endpointPort: 51999,
        endpointHost: "bob.example.net",
      }),
      ...updatePeerChanges(list, "wg0", "carol", { routeAllowedIps: false }),
    ];
    expect(changes.slice(1)).toEqual([
      { op: "delete", section: "cfg0896fc" },
      { op: "set", section: "cfg0796fc", option: "endpoint_port", value: "51999" },
      { op: "set", section: "carol", option: "route_allowed_ips", value: "0" },
    ]);
    // captured from libuci's `uci batch` + `uci commit` on the same file
    expect(writeUci(applyChanges(parseUci(NET), changes))).toBe(
      fixture("network_wireguard.after_edit"),
    );
  });

  test("adding a peer leaves every other byte alone", () => {
    const out = writeUci(
      applyChanges(
        parseUci(NET),
        addPeerChanges("wg0", { name: "dave", publicKey: DAVE, allowedIps: ["10.77.4.1"] }),
      ),
    );
    expect(out).toBe(
      NET.slice(0, -1) +
        "\nconfig wireguard_wg0 'dave'\n\toption public_key '" + DAVE +
        "'\n\tlist allowed_ips '10.77.4.1'\n" +
        "\toption route_allowed_ips '0'\n\n",
    );
    const wg = readWireguard(sections(parseUci(out)), "wg0")!;
    expect(wg.peers.map((p) => p.name)).toEqual(["cfg0796fc", "cfg0896fc", "carol", "dave"]);
  });

  test("removing by section name; unknown peers give no change", () => {
    const list = sections(parseUci(NET));
    expect(removePeerChanges(list, "wg0", "carol")).toEqual([{ op: "delete", section: "carol" }]);
    expect(removePeerChanges(list, "wg0", "nobody")).toEqual([]);
    expect(removePeerChanges(list, "wg1", "carol")).toEqual([]);
  });

  test("updates touch only what differs, null removes, unknown options stay", () => {
    const list = sections(parseUci(NET));
    expect(
      updatePeerChanges(list, "wg0", "carol", {
        allowedIps: ["10.77.3.0/24"],
        routeAllowedIps: true,
      }),
    ).toEqual([]);
    const changes = updatePeerChanges(list, "wg0", BOB, {
      allowedIps: ["10.77.2.0/24"],
      endpointHost: null,
      endpointPort: null,
      disabled: true,
      presharedKey: null,
    });
    expect(changes).toEqual([
      { op: "delete", section: "cfg0796fc", option: "preshared_key" },
      { op: "set", section: "cfg0796fc", option: "allowed_ips", value: ["10.77.2.0/24"] },
      { op: "delete", section: "cfg0796fc", option: "endpoint_host" },
      { op: "delete", section: "cfg0796fc", option: "endpoint_port" },
      { op: "set", section: "cfg0796fc", option: "disabled", value: "1" },
    ]);
    const out = writeUci(applyChanges(parseUci(NET), [
      ...changes,
      ...updatePeerChanges(list, "wg0", "carol", { description: "Carol" }),
    ]));
    expect(out).toContain("\toption luci_note 'kept as is'\n");
    expect(out).toContain("config wireguard_wg0 'carol'\n\toption public_key");
    expect(out).toContain("\toption luci_note 'kept as is'\n\toption description 'Carol'\n");
  });

  test("bad input is refused before any change is made", () => {
    const list = sections(parseUci(NET));
    expect(() => addPeerChanges("wg0", { publicKey: "nope", allowedIps: [] })).toThrow(UsageError);
    expect(() => addPeerChanges("wg0", { publicKey: DAVE, allowedIps: ["300.1.1.1/8"] })).toThrow(
      /"300.1.1.1\/8" is not an IP prefix/,
    );
    expect(() => updatePeerChanges(list, "wg0", "nobody", {})).toThrow(/no such peer/);
    expect(() => updatePeerChanges(list, "wg0", "carol", { endpointPort: 0 })).toThrow(
      /endpoint port 0/,
    );
  });
});

describe("createInterfaceChanges", () => {
  test("a new interface in commit style, readable back", () => {
    const key = "yLztaAGO7O2sBpwI+hG8JrAHoacZAYcKXSkSO8Qupk8=";
    const doc = applyChanges(parseUci(fixture("network_default")), [
      ...createInterfaceChanges("wg0", {
        privateKey: key,
        listenPort: 51820,
        addresses: ["10.77.0.1/16"],
      }),
      ...addPeerChanges("wg0", {
        publicKey: DAVE,
        allowedIps: ["10.77.4.0/24"],
        endpointHost: "192.0.2.1",
        endpointPort: 51820,
      }),
    ]);
    const text = writeUci(doc);
    expect(text.endsWith(
      "\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key '" + key + "'\n" +
        "\toption listen_port '51820'\n\tlist addresses '10.77.0.1/16'\n\n" +
        "config wireguard_wg0\n\toption public_key '" + DAVE +
        "'\n\tlist allowed_ips '10.77.4.0/24'\n" +
        "\toption route_allowed_ips '0'\n\toption endpoint_host '192.0.2.1'\n\toption endpoint_port '51820'\n\n",
    )).toBe(true);
    expect(readWireguard(sections(parseUci(text)), "wg0")!.peers[0]!.name).toBe("cfg0896fc");
    expect(() => createInterfaceChanges("wg0", { privateKey: "x", addresses: [] })).toThrow(
      UsageError,
    );
  });
});
