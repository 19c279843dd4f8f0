// Raw deflate through the runtime's CompressionStream (zlib, default level).
import type { DeflateRaw, InflateRaw } from "./gzip.ts";

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** Raw deflate (RFC 1951) with the runtime's zlib. */
export const deflateRaw: DeflateRaw = (data) => pipe(data, new CompressionStream("deflate-raw"));

/** Raw inflate (RFC 1951) with the runtime's zlib; rejects a damaged stream. */
export const inflateRaw: InflateRaw = (data) => pipe(data, new DecompressionStream("deflate-raw"));
