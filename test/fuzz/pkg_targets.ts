// Package readers: tar, gzip, ipk control files, .ipk and .apk (ADB) files.
import fc from "fast-check";
import { readAdbContainer } from "../../src/pkg/adb.ts";
import { buildApk } from "../../src/pkg/apk.ts";
import { readApk } from "../../src/pkg/apk_read.ts";
import { deflateRaw, inflateRaw } from "../../src/pkg/compress_deno.ts";
import { deflateStored, gunzip, gzip, gzipUnwrap } from "../../src/pkg/gzip.ts";
import { buildIpk, parseControl, readIpk } from "../../src/pkg/ipk.ts";
import { readTar, writeTar } from "../../src/pkg/tar.ts";
import type { TreeEntry } from "../../src/pkg/tree.ts";
import { sampleMeta, sampleTree } from "../pkg/sample.ts";
import {
  bytes,
  check,
  type FuzzTarget,
  mutate,
  mutations,
  outcome,
  outcomeAsync,
  sameJson,
  text,
  withPrefix,
} from "./fuzz.ts";

const DOC = { truncated: true, malformed: true } as const;

/** Tar-looking blocks: a header with a correct checksum and ustar magic, then arbitrary data. */
const tarLooking = fc.tuple(
  fc.uint8Array({ minLength: 512, maxLength: 512 }),
  fc.constantFrom(0x30, 0x35, 0x32, 0x4c, 0x4b, 0x00, 0x37),
  fc.oneof(fc.nat({ max: 2000 }), fc.constant(0o77777777777)),
  bytes(1500),
).map(([h, type, size, rest]) => {
  const head = h.slice();
  head.set(new TextEncoder().encode(size.toString(8).padStart(11, "0") + "\0"), 124);
  head[156] = type;
  head.set(new TextEncoder().encode("ustar  \0"), 257);
  head.fill(0x20, 148, 156);
  const sum = head.reduce((n, b) => n + b, 0);
  head.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return Uint8Array.from([...head, ...rest]);
});

const segment = fc.stringMatching(/^[a-z0-9_][a-z0-9._-]{0,40}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join("/"));

const entries: fc.Arbitrary<TreeEntry[]> = fc.uniqueArray(
  fc.oneof(
    fc.record({
      kind: fc.constant("file" as const),
      path,
      mode: fc.constantFrom(0o644, 0o755, 0o600),
      data: fc.uint8Array({ maxLength: 1200 }),
    }),
    fc.record({ kind: fc.constant("dir" as const), path, mode: fc.constant(0o755) }),
    fc.record({
      kind: fc.constant("symlink" as const),
      path,
      target: fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join("/")),
    }),
  ),
  { selector: (e) => e.path, maxLength: 6 },
);

/** Built once per run: a real .ipk and .apk to mutate. */
let built: Promise<{ ipk: Uint8Array; apk: Uint8Array; apkPlain: Uint8Array }> | undefined;
function packages() {
  built ??= (async () => {
    const stored = (d: Uint8Array) => Promise.resolve(deflateStored(d));
    const ipk = (await buildIpk(sampleMeta, sampleTree, stored)).bytes;
    const apk = (await buildApk(sampleMeta, sampleTree, deflateRaw)).bytes;
    const apkPlain = (await buildApk(sampleMeta, sampleTree, stored, { compress: false })).bytes;
    // the originals read back, so the mutations start from a valid file
    sameJson((await readIpk(ipk, inflateRaw)).fields.get("Package"), "punch", "ipk");
    for (const a of [apk, apkPlain]) {
      check((await readApk(a, inflateRaw)).info.get("name") === "punch", "the real apk reads");
    }
    return { ipk, apk, apkPlain };
  })();
  return built;
}

export const pkgTargets: FuzzTarget[] = [
  {
    parser: "tar",
    name: "arbitrary and tar-looking bytes: RangeError or ParseError",
    property: () =>
      fc.property(fc.oneof(bytes(1200), tarLooking), (b) => {
        outcome(readTar, b, DOC);
      }),
  },
  {
    parser: "tar",
    name: "write → read round trip (long names, links); mutations give documented outcomes",
    property: () =>
      fc.property(entries, mutations, (list, ms) => {
        const t = writeTar(list, { mtime: 1_700_000_000 }, { addParents: false });
        const got = readTar(t).map((m) => ({
          name: m.name,
          type: m.type,
          data: m.data,
          linkname: m.linkname,
        }));
        const want = list.map((e) => ({
          name: e.kind === "dir" ? `./${e.path}/` : `./${e.path}`,
          type: e.kind,
          data: e.kind === "file" ? e.data : new Uint8Array(0),
          linkname: e.kind === "symlink" ? e.target : "",
        }));
        sameJson(got, want, "tar members");
        outcome(readTar, mutate(t, ms), DOC);
      }),
  },
  {
    parser: "gzip",
    name: "arbitrary bytes: RangeError or ParseError (header and inflate)",
    cost: 3,
    property: () =>
      fc.asyncProperty(
        fc.oneof(bytes(300), withPrefix(Uint8Array.of(0x1f, 0x8b, 8), 300)),
        async (b) => {
          outcome(gzipUnwrap, b, DOC);
          await outcomeAsync((x: Uint8Array) => gunzip(x, inflateRaw), b, DOC);
        },
      ),
  },
  {
    parser: "gzip",
    name: "gzip → gunzip round trip; mutations give documented outcomes",
    cost: 3,
    property: () =>
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), mutations, async (data, ms) => {
        const gz = await gzip(data, deflateRaw);
        sameJson(await gunzip(gz, inflateRaw), data, "gunzip");
        await outcomeAsync((x: Uint8Array) => gunzip(x, inflateRaw), mutate(gz, ms), DOC);
      }),
  },
  {
    parser: "ipk",
    name: "control files: fields or ParseError",
    property: () =>
      fc.property(
        fc.oneof(
          text(300),
          fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), text(20)), {
            maxLength: 6,
          }).map((l) => l.map(([k, v]) => `${k}: ${v}`).join("\n")),
        ),
        (t) => {
          outcome(parseControl, t, { malformed: true });
        },
      ),
  },
  {
    parser: "ipk",
    name: "mutated and arbitrary .ipk files: RangeError or ParseError",
    cost: 3,
    property: () =>
      fc.asyncProperty(mutations, bytes(300), fc.boolean(), async (ms, junk, useJunk) => {
        const { ipk } = await packages();
        const b = useJunk ? Uint8Array.from([0x1f, 0x8b, 8, ...junk]) : mutate(ipk, ms);
        await outcomeAsync((x: Uint8Array) => readIpk(x, inflateRaw), b, DOC);
      }),
  },
  {
    parser: "apk",
    name: "mutated and arbitrary .apk files: RangeError or ParseError",
    cost: 3,
    property: () =>
      fc.asyncProperty(
        mutations,
        fc.oneof(bytes(300), withPrefix(new TextEncoder().encode("ADB.pckg"), 400)),
        fc.constantFrom("apk", "plain", "junk"),
        async (ms, junk, which) => {
          const p = await packages();
          const b = which === "junk" ? junk : mutate(which === "apk" ? p.apk : p.apkPlain, ms);
          await outcomeAsync((x: Uint8Array) => readApk(x, inflateRaw), b, DOC);
          outcome(readAdbContainer, b, DOC);
        },
      ),
  },
];
