// Length and count fields that claim far more than the input holds (up to 4 GB): each reader
// must refuse from the numbers, never allocate what the field claims. An allocation that big
// fails with the engine's RangeError ("Array buffer allocation failed", "Invalid array length"),
// which `outcome` does not count as a documented truncation.
import fc from "fast-check";
import { AdbReader, readAdbContainer, T } from "../../src/pkg/adb.ts";
import { gzipUnwrap } from "../../src/pkg/gzip.ts";
import { readTar } from "../../src/pkg/tar.ts";
import { decodeCardBundle } from "../../src/peer/card_bundle.ts";
import { decodeCard } from "../../src/peer/peer_card.ts";
import { parseStun } from "../../src/stun/stun_codec.ts";
import { parseBlobAttrs } from "../../src/ubus/blob.ts";
import { UbusDeframer } from "../../src/ubus/deframer.ts";
import { decodeMessage } from "../../src/ubus/message.ts";
import { check, type FuzzTarget, outcome } from "./fuzz.ts";

const DOC = { truncated: true, malformed: true } as const;

const big = fc.oneof(
  fc.constantFrom(0xffffffff, 0x7fffffff, 0x3fffffff, 0xffffff, 0xffff, 0x10000, 0xff),
  fc.nat({ max: 0xffffffff }),
);

function be32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function le32(n: number): number[] {
  return be32(n).reverse();
}

export const lengthTargets: FuzzTarget[] = [
  {
    parser: "lengths",
    name: "length and count fields claiming up to 4 GB: refused without allocating",
    property: () =>
      fc.property(big, fc.uint8Array({ maxLength: 64 }), (n, tail) => {
        const t = [...tail];
        // ubus: blob header length (24 bits) in a message, a container and the deframer
        const blob = [...be32((n & 0xffffff) >>> 0), ...t];
        outcome(decodeMessage, Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, ...blob]), DOC);
        outcome(parseBlobAttrs, Uint8Array.from(blob), DOC);
        const d = new UbusDeframer();
        const wire = Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, ...blob]);
        outcome((b: Uint8Array) => d.pushFrames(b), wire, { malformed: true });
        check(d.buffered <= wire.length, "the deframer holds more than it was given");
        // STUN: message length, attribute length
        const stun = [0, 1, ...be32(n).slice(2), 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(0)];
        outcome(parseStun, Uint8Array.from([...stun, ...t]), DOC);
        const attr = [0x80, 0x22, ...be32(n).slice(2), ...t];
        const withAttr = [
          0,
          1,
          0,
          attr.length & ~3,
          0x21,
          0x12,
          0xa4,
          0x42,
          ...new Array(12).fill(0),
          ...attr,
        ];
        outcome(parseStun, Uint8Array.from(withAttr.slice(0, 20 + (attr.length & ~3))), DOC);
        // tar: size field in octal
        const h = new Uint8Array(512);
        h.set(new TextEncoder().encode((n * 2).toString(8).slice(0, 11).padStart(11, "0")), 124);
        h.set(new TextEncoder().encode("ustar  \0"), 257);
        h[156] = 0x30;
        h.fill(0x20, 148, 156);
        const sum = h.reduce((a, b) => a + b, 0);
        h.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
        outcome(readTar, Uint8Array.from([...h, ...t]), DOC);
        // gzip: FEXTRA length
        const gz = [0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, n & 255, (n >>> 8) & 255, ...t];
        outcome(gzipUnwrap, Uint8Array.from([...gz, ...new Array(8).fill(0)]), DOC);
        // ADB: block size, object slot count, blob32 length
        const adb = [0x41, 0x44, 0x42, 0x2e, 0x70, 0x63, 0x6b, 0x67, ...le32(n & 0x3fffffff), ...t];
        outcome(readAdbContainer, Uint8Array.from(adb), DOC);
        const payload = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, ...le32(n), ...le32(n), ...t]);
        outcome(
          (p: Uint8Array) => new AdbReader(p).obj(((T.object << 28) | 8) >>> 0),
          payload,
          DOC,
        );
        outcome(
          (p: Uint8Array) => new AdbReader(p).blob(((T.blob32 << 28) | 8) >>> 0),
          payload,
          DOC,
        );
        // peer cards and bundles: u8/u16 lengths are small by construction; a bundle's count
        const bundle = [0x50, 0x42, 0x01, n & 255, (n >>> 8) & 255, n & 255, ...t];
        outcome(decodeCardBundle, Uint8Array.from(bundle), DOC);
        outcome(
          decodeCard,
          Uint8Array.from([0x50, 0x43, 0x01, ...new Array(64).fill(0), ...be32(n), ...t]),
          DOC,
        );
      }),
  },
];
