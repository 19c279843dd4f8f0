// Smaller readers of outside text: addresses, keys, command output (traceroute, nft, conntrack),
// rpcd replies, config sections, the peering state file and rule tags.
import fc from "fast-check";
import { parseConntrackList } from "../../src/assist/conntrack.ts";
import { parseNftListing } from "../../src/assist/nft_listing.ts";
import { parseRuleTag } from "../../src/assist/plan.ts";
import { parseDuration } from "../../src/daemon/peering/duration.ts";
import { stateFromJSON } from "../../src/daemon/peering/peering_state.ts";
import { fromBase64, fromBase64Url } from "../../src/lib/base64.ts";
import { fromHex } from "../../src/lib/bytes.ts";
import { UsageError } from "../../src/lib/errors.ts";
import { formatEndpoint, parseCidr, parseEndpoint } from "../../src/lib/net.ts";
import { parseTraceroute } from "../../src/nat/path_hops.ts";
import { readLanWan } from "../../src/uci/network_schema.ts";
import { readPunchConfig } from "../../src/uci/punch_schema.ts";
import { sectionsFromRpcd } from "../../src/uci/rpcd_mapping.ts";
import type { UciSection } from "../../src/uci/uci_doc.ts";
import { readWireguard } from "../../src/uci/wireguard_schema.ts";
import { decodeKey } from "../../src/wg/keys.ts";
import { check, classify, type FuzzTarget, outcome, sameJson, text } from "./fuzz.ts";
import { endpoint } from "./stun_targets.ts";

const SYNTAX = { syntax: true } as const;

/** Lines that look like the tool's output, mixed with arbitrary text. */
function lines(words: string[]): fc.Arbitrary<string> {
  return fc.array(
    fc.array(fc.oneof(fc.constantFrom(...words), text(8)), { maxLength: 12 }).map((w) =>
      w.join(" ")
    ),
    { maxLength: 8 },
  ).map((l) => l.join("\n"));
}

const optionValue = fc.oneof(
  text(20),
  fc.constantFrom("1", "0", "51820", "10.0.0.1/24", "fd00::1/64", "wireguard", "static", "lan"),
  fc.array(fc.oneof(text(10), fc.constantFrom("10.0.0.0/8", "192.0.2.1")), { maxLength: 3 }),
);

const section: fc.Arbitrary<UciSection> = fc.record({
  type: fc.constantFrom("interface", "punch", "wireguard_wg0", "main", "peer", "x"),
  name: fc.constantFrom("lan", "wan", "wg0", "main", "punch", "cfg01"),
  anonymous: fc.boolean(),
  options: fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        "proto",
        "ipaddr",
        "netmask",
        "device",
        "private_key",
        "listen_port",
        "addresses",
        "public_key",
        "allowed_ips",
        "endpoint_host",
        "endpoint_port",
        "control_port",
        "enabled",
        "ip6addr",
      ),
      text(8),
    ),
    optionValue,
    { maxKeys: 6 },
  ),
});

export const miscTargets: FuzzTarget[] = [
  {
    parser: "net",
    name: "endpoints, prefixes, base64, hex, keys: a value or SyntaxError",
    property: () =>
      fc.property(
        fc.oneof(
          text(80),
          endpoint.map(formatEndpoint),
          fc.constantFrom("[::1]:1", "1.2.3.4:65536", "a:b:c", "[x]:1", "10.0.0.0/33", "::/0"),
        ),
        fc.option(fc.integer({ min: 1, max: 65535 })),
        (t, dflt) => {
          if (
            outcome((x: string) => parseEndpoint(x, dflt ?? undefined), t, SYNTAX) === "value"
          ) {
            const e = parseEndpoint(t, dflt ?? undefined);
            sameJson(parseEndpoint(formatEndpoint(e)), e, "endpoint");
          }
          outcome(parseCidr, t, SYNTAX);
          outcome(fromBase64, t, SYNTAX);
          outcome(fromBase64Url, t, SYNTAX);
          outcome(fromHex, t, SYNTAX);
          outcome(decodeKey, t, SYNTAX);
        },
      ),
  },
  {
    parser: "net",
    name: "invite lifetimes: milliseconds or UsageError",
    property: () =>
      fc.property(fc.oneof(text(20), fc.stringMatching(/^ ?\d{1,7} ?[smhdx]? ?$/)), (t) => {
        try {
          const ms = parseDuration(t);
          check(ms > 0 && Number.isInteger(ms), `duration ${ms}`);
        } catch (e) {
          if (!(e instanceof UsageError)) classify(e, {}, t);
        }
      }),
  },
  {
    parser: "output",
    name: "traceroute, conntrack and rule tags never throw; nft listings: rules or ParseError",
    property: () =>
      fc.property(
        fc.oneof(
          text(400),
          lines([" 1", "2", "*", "10.0.0.1", "100.64.0.1", "ms"]),
          lines([
            "table",
            "inet",
            "chain",
            "{",
            "}",
            "#",
            "handle",
            "1",
            'comment "punch x"',
            "\t",
          ]),
          lines(["udp", "17", "src=10.0.0.2", "dst=10.0.0.1", "sport=5", "dport=65536", "mark=0"]),
          fc.stringMatching(/^punch (dstnat|forward|srcnat) [\d.]{1,16}:\d{1,6} .*$/),
        ),
        (t) => {
          const hops = parseTraceroute(t);
          check(hops.length <= 64, `${hops.length} hops`);
          outcome(parseNftListing, t, { malformed: true });
          parseConntrackList(t);
          parseRuleTag(t);
        },
      ),
  },
  {
    parser: "rpcd",
    name: "rpcd uci replies of any JSON shape: sections, never an exception",
    property: () =>
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.dictionary(text(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        ),
        (values) => {
          sectionsFromRpcd({ values });
        },
      ),
  },
  {
    parser: "config",
    name: "punch, network and wireguard sections with any option values: a model or ParseError",
    property: () =>
      fc.property(fc.array(section, { maxLength: 5 }), (secs) => {
        outcome(readPunchConfig, secs, { malformed: true });
        outcome(readLanWan, secs, { malformed: true });
        outcome((s: UciSection[]) => readWireguard(s, "wg0"), secs, {
          null: true,
          malformed: true,
        });
      }),
  },
  {
    parser: "state",
    name: "peering state file of any JSON shape: a state or ParseError",
    property: () =>
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({
            version: fc.constantFrom(1, 2, "1"),
            seq: fc.oneof(fc.nat(), fc.string()),
            invites: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 })), fc.constant(null)),
            paired: fc.oneof(
              fc.array(
                fc.oneof(
                  fc.jsonValue({ maxDepth: 1 }),
                  fc.record({ wgPublicKey: fc.string(), signPublicKey: fc.string() }),
                ),
              ),
              fc.constant({}),
            ),
          }, { requiredKeys: [] }),
        ),
        (d) => {
          outcome(stateFromJSON, d, { malformed: true });
        },
      ),
  },
];
