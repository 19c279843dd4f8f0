import { describe, expect, test } from "vitest";
import { encodeQr, type QrCode, qrToSvg, qrToText } from "../../src/lib/qr.ts";

interface Vector {
  text: string;
  ecc: "L" | "M";
  version: number;
  size: number;
  rows: string[];
}
const file = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/lib/qr_qrencode.json", import.meta.url)),
) as { vectors: Vector[] };

function rowsToBits(rows: string[], size: number): boolean[][] {
  return rows.map((h) =>
    [...h].flatMap((c) => [...parseInt(c, 16).toString(2).padStart(4, "0")].map((b) => b === "1"))
      .slice(0, size)
  );
}

/** Mask number from the format bits next to the top-left finder (ISO/IEC 18004 7.9). */
function maskOf(m: boolean[][]): number {
  const pos: [number, number][] = [
    [8, 0],
    [8, 1],
    [8, 2],
    [8, 3],
    [8, 4],
    [8, 5],
    [8, 7],
    [8, 8],
    [
      7,
      8,
    ],
    [5, 8],
    [4, 8],
    [3, 8],
    [2, 8],
    [1, 8],
    [0, 8],
  ];
  let bits = 0;
  pos.forEach(([x, y], i) => {
    if (m[y]![x]) bits |= 1 << i;
  });
  return ((bits ^ 0x5412) >>> 10) & 7;
}

function toText(m: boolean[][]): string {
  return m.map((r) => r.map((d) => (d ? "#" : ".")).join("")).join("\n");
}

describe("QR encoder matches qrencode byte for byte", () => {
  for (const v of file.vectors) {
    test(`${v.ecc} version ${v.version} (${new TextEncoder().encode(v.text).length} bytes)`, () => {
      const want = rowsToBits(v.rows, v.size);
      const mask = maskOf(want);
      const got = encodeQr(v.text, { ecc: v.ecc, mask });
      expect(got.version).toBe(v.version);
      expect(got.size).toBe(v.size);
      expect(toText(got.modules)).toBe(toText(want));
    });
  }
  test("the automatic mask choice agrees with qrencode's penalty rules", () => {
    for (const v of file.vectors) {
      const want = rowsToBits(v.rows, v.size);
      const got = encodeQr(v.text, { ecc: v.ecc });
      expect(got.mask, `${v.ecc} version ${v.version}`).toBe(maskOf(want));
      expect(toText(got.modules)).toBe(toText(want));
    }
  });
});

describe("encodeQr options", () => {
  test("chooses the smallest version and honours minVersion", () => {
    expect(encodeQr("a".repeat(14), { ecc: "M" }).version).toBe(1);
    expect(encodeQr("a".repeat(15), { ecc: "M" }).version).toBe(2);
    expect(encodeQr("a".repeat(17), { ecc: "L" }).version).toBe(1);
    expect(encodeQr("hi", { minVersion: 5 }).version).toBe(5);
  });
  test("a 200-character token fits in version 10 at level M", () => {
    const q = encodeQr("x".repeat(200));
    expect(q.version).toBe(10);
    expect(q.ecc).toBe("M");
    expect(q.size).toBe(57);
  });
  test("too much data throws RangeError", () => {
    expect(() => encodeQr("x".repeat(300), { maxVersion: 10 })).toThrow(RangeError);
    expect(() => encodeQr("x".repeat(2954), { ecc: "L" })).toThrow(RangeError);
  });
});

describe("renderers", () => {
  const q = encodeQr("hello");
  test("terminal text uses half blocks, two module rows per line", () => {
    const t = qrToText(q, { margin: 2 });
    const lines = t.trimEnd().split("\n");
    expect(lines.length).toBe(Math.ceil((q.size + 4) / 2));
    for (const l of lines) expect([...l].length).toBe(q.size + 4);
    expect(/^[ \u2580\u2584\u2588\n]+$/.test(t)).toBe(true);
    // Top-left finder, dark-background style: quiet zone is light (block), finder dark (space).
    expect(lines[0]!.startsWith("\u2588\u2588")).toBe(true);
    expect(lines[1]!.slice(2, 9)).toBe(" " + "\u2584".repeat(5) + " ");
    const inverted = qrToText(q, { margin: 2, darkBackground: false }).split("\n");
    expect(inverted[1]!.slice(2, 9)).toBe("\u2588" + "\u2580".repeat(5) + "\u2588");
  });
  test("SVG has one path covering the dark modules and a quiet zone", () => {
    const svg = qrToSvg(q);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"')).toBe(
      true,
    );
    const d = /<path fill="#000" d="([^"]*)"/.exec(svg)![1]!;
    let area = 0;
    for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
      area += Number(m[3]);
      expect(Number(m[1])).toBeGreaterThanOrEqual(4);
      expect(Number(m[2])).toBeGreaterThanOrEqual(4);
    }
    expect(area).toBe(q.modules.flat().filter(Boolean).length);
  });
});

// --- decoding with zbarimg (Debian zbar-tools) ---

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

async function toPng(q: QrCode, scale = 4, margin = 4): Promise<Uint8Array> {
  const dim = (q.size + 2 * margin) * scale;
  const raw = new Uint8Array(dim * (dim + 1));
  for (let y = 0; y < dim; y++) {
    for (let x = 0; x < dim; x++) {
      const mx = Math.floor(x / scale) - margin, my = Math.floor(y / scale) - margin;
      raw[y * (dim + 1) + 1 + x] = q.modules[my]?.[mx] ? 0 : 255;
    }
  }
  const z = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate")))
      .arrayBuffer(),
  );
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array(4 + data.length);
    body.set(new TextEncoder().encode(type));
    body.set(data, 4);
    const out = new Uint8Array(12 + data.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    out.set(body, 4);
    dv.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, dim);
  dv.setUint32(4, dim);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", ihdr),
    chunk("IDAT", z),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

const hasZbar = (() => {
  try {
    return Deno.statSync("/usr/bin/zbarimg").isFile;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasZbar)("zbarimg decodes what encodeQr produces", () => {
  const cases: [string, "L" | "M"][] = [
    ["hello", "M"],
    ["punch1:" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_".repeat(5), "M"],
    ["grüße aus köln €", "L"],
    ["y".repeat(400), "L"],
  ];
  test("round trip through a PNG", async () => {
    const dir = await Deno.makeTempDir({ prefix: "punch-qr-" });
    try {
      for (const [text, ecc] of cases) {
        const png = `${dir}/q.png`;
        await Deno.writeFile(png, await toPng(encodeQr(text, { ecc })));
        const out = await new Deno.Command("/usr/bin/zbarimg", {
          args: ["--raw", "-q", "-Sbinary", png],
          stdout: "piped",
          stderr: "piped",
        }).output();
        expect(out.code).toBe(0);
        expect(new TextDecoder().decode(out.stdout).replace(/\n$/, "")).toBe(text);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
