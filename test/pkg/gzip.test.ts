import { describe, expect, test } from "vitest";
import { utf8 } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { deflateRaw, inflateRaw } from "../../src/pkg/compress_deno.ts";
import { crc32, deflateStored, gunzip, gzip, gzipUnwrap } from "../../src/pkg/gzip.ts";
import { vector } from "./sample.ts";

describe("gzip", () => {
  test("damaged deflate data is a ParseError, not the runtime's TypeError (found by fuzzing)", async () => {
    const gz = new Uint8Array(40);
    gz.set([0x1f, 0x8b, 8, 0]);
    gz.fill(0xff, 10, 30);
    await expect(gunzip(gz, inflateRaw)).rejects.toThrow(ParseError);
    await expect(gunzip(gz, inflateRaw)).rejects.toThrow(/compressed data is damaged/);
  });

  test("crc32 check value", () => {
    expect(crc32(utf8.encode("123456789"))).toBe(0xcbf43926);
  });

  test("header is gzip -n's: no name, mtime 0, OS Unix", async () => {
    const gz = await gzip(utf8.encode("x"), (d) => Promise.resolve(deflateStored(d)));
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  test("reads a real `gzip -n` file", async () => {
    expect(utf8.decode(await gunzip(vector("gzip_n.gz"), inflateRaw))).toBe("config punch main\n");
  });

  test("round-trips through zlib and through stored blocks (also over 64 KiB)", async () => {
    const data = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    expect(await gunzip(await gzip(data, deflateRaw), inflateRaw)).toEqual(data);
    expect(await gunzip(await gzip(data, (d) => Promise.resolve(deflateStored(d))), inflateRaw))
      .toEqual(data);
    expect(await inflateRaw(deflateStored(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  test("is deterministic", async () => {
    const d = utf8.encode("same input, same bytes\n".repeat(100));
    expect(await gzip(d, deflateRaw)).toEqual(await gzip(d, deflateRaw));
  });

  test("errors: truncated, not gzip, CRC mismatch", async () => {
    expect(() => gzipUnwrap(new Uint8Array(5))).toThrow(RangeError);
    expect(() => gzipUnwrap(new Uint8Array(20))).toThrow(ParseError);
    const bad = vector("gzip_n.gz").slice();
    bad[bad.length - 5]! ^= 1;
    await expect(gunzip(bad, inflateRaw)).rejects.toThrow(ParseError);
  });
});
