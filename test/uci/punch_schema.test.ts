import { describe, expect, test } from "vitest";
import { ParseError, UsageError } from "../../src/lib/errors.ts";
import {
  applyChanges,
  parseUci,
  PUNCH_DEFAULTS,
  punchConfigChanges,
  readPunchConfig,
  sections,
  writeUci,
} from "../../src/uci/mod.ts";
import { fixture } from "./uci_helpers.ts";

const read = (text: string) => readPunchConfig(sections(parseUci(text)));

describe("readPunchConfig", () => {
  test("defaults when the file or the section is missing", () => {
    expect(read("")).toEqual({
      interface: "wg0",
      listenPort: 51820,
      tunnelPrefix: "10.77.0.0/16",
      stunServers: ["stun.l.google.com:19302", "stun.cloudflare.com:3478"],
      stunPort: 0,
      webPort: 8451,
      name: "",
      dnsDomain: "punch",
      tunnelInput: "restricted",
    });
    expect(read("config lanhost 'nas'\n\toption ip '192.168.1.10'\n")).toEqual(PUNCH_DEFAULTS);
  });

  test("the shipped file", () => {
    expect(read(fixture("punch_default"))).toEqual({ ...PUNCH_DEFAULTS, name: "home" });
  });

  test("values override defaults; the prefix is normalized; one STUN server replaces the list", () => {
    const text =
      "config punch 'main'\n\toption interface 'wg_home'\n\toption listen_port '51000'\n" +
      "\toption tunnel_prefix '10.99.3.4/16'\n\tlist stun_server 'stun.example.org'\n\toption stun_port '3478'\n" +
      "\toption web_port '0'\n\toption name 'Cabin router'\n\toption dns_domain 'home.arpa'\n" +
      "\toption tunnel_input 'accept'\n";
    expect(read(text)).toEqual({
      interface: "wg_home",
      listenPort: 51000,
      tunnelPrefix: "10.99.0.0/16",
      stunServers: ["stun.example.org"],
      stunPort: 3478,
      webPort: 0,
      name: "Cabin router",
      dnsDomain: "home.arpa",
      tunnelInput: "accept",
    });
  });

  test("an anonymous punch section is read too", () => {
    expect(read("config punch\n\toption listen_port '4000'\n").listenPort).toBe(4000);
  });

  const invalid: [string, RegExp][] = [
    ["option interface 'wg-0'", /interface "wg-0" must be 1 to 15 letters/],
    ["option tunnel_input 'open'", /tunnel_input "open" must be "accept" or "restricted"/],
    ["option interface 'averyveryverylongname'", /1 to 15/],
    ["option listen_port '0'", /listen_port "0" must be a whole number from 1 to 65535/],
    ["option stun_port '65536'", /stun_port "65536"/],
    ["option web_port 'http'", /web_port "http"/],
    ["option dns_domain 'Punch'", /dns_domain "Punch" must be a DNS domain like "punch"/],
    ["option dns_domain 'a..b'", /dns_domain "a\.\.b" must be a DNS domain/],
    ["option dns_domain '-x'", /dns_domain "-x"/],
    ["option tunnel_prefix '10.77.0.0/31'", /tunnel_prefix "10.77.0.0\/31" is too small/],
    ["option tunnel_prefix 'ten'", /tunnel_prefix "ten" is not an IP prefix/],
    ["list stun_server 'bad host!'", /stun_server "bad host!" is not a STUN server/],
    ["list stun_server 'stun.example.org:99999'", /stun_server/],
  ];
  for (const [line, message] of invalid) {
    test(`invalid: ${line}`, () => {
      const text = `config punch 'main'\n\t${line}\n`;
      expect(() => read(text)).toThrow(ParseError);
      expect(() => read(text)).toThrow(message);
      expect(() => read(text)).toThrow(/^Cannot read punch settings "main": /);
    });
  }
});

describe("punchConfigChanges", () => {
  test("creates the main section when missing, keeping other sections", () => {
    const base = "\nconfig lanhost 'nas'\n\toption ip '192.168.1.10'\n\toption port '32400'\n\n";
    const changes = punchConfigChanges(sections(parseUci(base)), {
      name: "home",
      listenPort: 51821,
    });
    expect(changes).toEqual([{
      op: "add",
      type: "punch",
      name: "main",
      values: { name: "home", listen_port: "51821" },
    }]);
    expect(writeUci(applyChanges(parseUci(base), changes))).toBe(
      base + "config punch 'main'\n\toption name 'home'\n\toption listen_port '51821'\n\n",
    );
  });

  test("sets only what differs and edits in place", () => {
    const text = fixture("punch_default");
    const list = sections(parseUci(text));
    const changes = punchConfigChanges(list, {
      name: "home",
      webPort: 8452,
      stunServers: ["stun.example.org:3478"],
    });
    expect(changes).toEqual([
      { op: "set", section: "main", option: "web_port", value: "8452" },
      { op: "set", section: "main", option: "stun_server", value: ["stun.example.org:3478"] },
    ]);
    const out = writeUci(applyChanges(parseUci(text), changes));
    expect(out).toBe(
      text.replace("'8451'", "'8452'").replace(
        "\tlist stun_server 'stun.l.google.com:19302'\n\tlist stun_server 'stun.cloudflare.com:3478'\n",
        "\tlist stun_server 'stun.example.org:3478'\n",
      ),
    );
  });

  test("invalid values are refused", () => {
    expect(() => punchConfigChanges([], { listenPort: 0 })).toThrow(UsageError);
    expect(() => punchConfigChanges([], { tunnelPrefix: "x" })).toThrow(/tunnel_prefix to "x"/);
  });
});
