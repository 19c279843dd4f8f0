// Line and text formats: control-socket requests, `wg show dump`, UCI files.
import fc from "fast-check";
import { toBase64 } from "../../src/lib/base64.ts";
import { utf8 } from "../../src/lib/bytes.ts";
import { LineSplitter, MAX_LINE_BYTES, parseRequest } from "../../src/daemon/control_protocol.ts";
import { parseUci } from "../../src/uci/uci_parse.ts";
import { renderConfig, renderOption, writeUci } from "../../src/uci/uci_write.ts";
import { sections } from "../../src/uci/uci_doc.ts";
import { parseWgDump, type WgDump } from "../../src/wg/wg_dump.ts";
import { check, classify, type FuzzTarget, outcome, sameJson, text } from "./fuzz.ts";

/** JSON-ish request lines: real JSON of arbitrary shape, near-misses and plain text. */
const requestLine = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.record({
    id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
    method: fc.oneof(fc.stringMatching(/^[a-z][a-z.]{0,45}$/), fc.string()),
    params: fc.oneof(fc.object(), fc.array(fc.anything()), fc.constant(null), fc.string()),
  }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  text(300),
);

const b64key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64);
const field = fc.oneof(text(20), fc.constantFrom("(none)", "off", "0", "0x1f", "51820"));
const u = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const dump: fc.Arbitrary<WgDump> = fc.record({
  iface: fc.record({
    privateKey: fc.option(b64key),
    publicKey: b64key,
    listenPort: fc.integer({ min: 0, max: 65535 }),
    fwmark: fc.option(fc.integer({ min: 1, max: 0xffffffff })),
  }),
  peers: fc.array(
    fc.record({
      publicKey: b64key,
      presharedKey: fc.option(b64key),
      endpoint: fc.option(fc.constantFrom("192.0.2.1:51820", "[2001:db8::1]:1")),
      allowedIps: fc.array(fc.constantFrom("10.0.0.0/8", "fd00::/64", "0.0.0.0/0"), {
        maxLength: 3,
      }),
      latestHandshake: u,
      rxBytes: u,
      txBytes: u,
      persistentKeepalive: fc.option(fc.integer({ min: 1, max: 65535 })),
    }),
    { maxLength: 6 },
  ),
});

function printDump(d: WgDump): string {
  const n = (v: string | null) => v ?? "(none)";
  const i = d.iface;
  const lines = [
    [
      n(i.privateKey),
      i.publicKey,
      i.listenPort,
      i.fwmark === null ? "off" : `0x${i.fwmark.toString(16)}`,
    ],
    ...d.peers.map((p) => [
      p.publicKey,
      n(p.presharedKey),
      n(p.endpoint),
      p.allowedIps.length === 0 ? "(none)" : p.allowedIps.join(","),
      p.latestHandshake,
      p.rxBytes,
      p.txBytes,
      p.persistentKeepalive ?? "off",
    ]),
  ];
  return lines.map((l) => l.join("\t") + "\n").join("");
}

/** UCI-looking text: statements, quotes, escapes, comments, `;` and line breaks mixed. */
const uciText = fc.array(
  fc.oneof(
    fc.constantFrom(
      "config ",
      "option ",
      "list ",
      "package ",
      "c ",
      "o ",
      "interface",
      "'lan'",
      '"a b"',
      "'",
      '"',
      "\\",
      "\\\n",
      "#",
      ";",
      " ",
      "\t",
      "\n",
      "\r\n",
      "proto",
      "'it'\\''s'",
      "x_1",
    ),
    text(6),
  ),
  { maxLength: 40 },
).map((a) => a.join(""));

const uciName = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);

export const textTargets: FuzzTarget[] = [
  {
    parser: "control",
    name: "arbitrary request lines: a request or SyntaxError",
    property: () =>
      fc.property(requestLine, (line) => {
        const o = outcome(parseRequest, line, { syntax: true });
        if (o === "value") {
          const r = parseRequest(line);
          sameJson(parseRequest(JSON.stringify(r)), r, "request");
        }
      }),
  },
  {
    parser: "control",
    name: "line splitter: lines come back whole, none longer than the limit",
    property: () =>
      fc.property(
        fc.array(fc.oneof(text(100), fc.constantFrom("\n", "x".repeat(40_000))), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 8 }),
        (parts, cuts) => {
          const all = utf8.encode(parts.join(""));
          const s = new LineSplitter();
          const got: string[] = [];
          let off = 0, i = 0;
          try {
            while (off < all.length) {
              const n = cuts[i++ % cuts.length]!;
              got.push(...s.push(all.subarray(off, off + n)));
              off += n;
            }
          } catch (e) {
            classify(e, { truncated: true }, "line splitter stream");
            return;
          }
          for (const l of got) {
            check(utf8.encode(l).length <= MAX_LINE_BYTES, `a line of ${l.length} passed`);
          }
          const whole = new TextDecoder().decode(all).split("\n").slice(0, -1)
            .filter((l) => l.trim().length > 0);
          sameJson(got, whole, "lines");
        },
      ),
  },
  {
    parser: "wgdump",
    name: "arbitrary text: a dump or ParseError",
    property: () =>
      fc.property(
        fc.oneof(
          text(400),
          fc.array(fc.array(field, { maxLength: 9 }).map((f) => f.join("\t")), { maxLength: 5 })
            .map((l) => l.join("\n")),
        ),
        (t) => {
          outcome(parseWgDump, t, { malformed: true });
        },
      ),
  },
  {
    parser: "wgdump",
    name: "printed dump → parse round trip",
    property: () =>
      fc.property(dump, (d) => {
        sameJson(parseWgDump(printDump(d)), d, "wg dump");
      }),
  },
  {
    parser: "uci",
    name: "arbitrary text: a document or ParseError; parsed text is written back byte for byte",
    property: () =>
      fc.property(fc.oneof(uciText, text(300)), (t) => {
        if (outcome(parseUci, t, { malformed: true }) !== "value") return;
        const doc = parseUci(t);
        check(writeUci(doc) === t, "writeUci(parseUci(text)) differs from text");
        sections(doc);
      }),
  },
  {
    parser: "uci",
    name: "rendered sections and options → parse gives the values back",
    property: () =>
      fc.property(
        fc.array(
          fc.record({
            type: uciName,
            name: uciName,
            options: fc.array(
              fc.tuple(uciName, fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 })),
              {
                maxLength: 5,
              },
            ),
          }),
          { maxLength: 4 },
        ),
        (secs) => {
          const seen = new Set<string>();
          const uniq = secs.filter((s) => !seen.has(s.name) && seen.add(s.name));
          const t = uniq.map((s) => {
            const opts = new Map(s.options);
            return [
              renderConfig(s.type, s.name),
              ...[...opts].map(([k, v]) => renderOption("option", k, v)),
            ]
              .join("\n") + "\n";
          }).join("\n");
          const got = sections(parseUci(t)).map((s) => ({
            type: s.type,
            name: s.name,
            options: s.options,
          }));
          const want = uniq.map((s) => ({
            type: s.type,
            name: s.name,
            options: Object.fromEntries(new Map(s.options)),
          }));
          sameJson(got, want, "uci sections");
        },
      ),
  },
];
