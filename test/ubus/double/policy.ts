// blobmsg_parse as libubox@1aa36ee:blobmsg.c:166 does it: a member counts only when its
// name and type both match the policy (UNSPEC matches any type); the last match wins.
// Members of the wrong type are treated as absent, which is why real daemons answer
// INVALID_ARGUMENT for `{"config": 1}`.
import type { BlobmsgField } from "../../../src/ubus/blobmsg.ts";
import { BlobmsgType } from "../../../src/ubus/constants.ts";

/** Argument name → expected blobmsg type. */
export type Policy = Record<string, BlobmsgType>;

/** Parsed arguments: only members that passed the policy. */
export type Parsed = Partial<Record<string, BlobmsgField>>;

export function parsePolicy(fields: readonly BlobmsgField[], policy: Policy): Parsed {
  const out: Parsed = {};
  for (const f of fields) {
    const want = policy[f.name];
    if (want === undefined) continue;
    if (want !== BlobmsgType.UNSPEC && f.type !== want) continue;
    out[f.name] = f;
  }
  return out;
}

export function str(p: Parsed, k: string): string | undefined {
  const f = p[k];
  return f && typeof f.value === "string" ? f.value : undefined;
}

/** blobmsg_get_u32 on an INT32 member (unsigned view). */
export function u32(p: Parsed, k: string): number | undefined {
  const f = p[k];
  return f && typeof f.value === "number" ? f.value >>> 0 : undefined;
}

export function bool(p: Parsed, k: string): boolean | undefined {
  const f = p[k];
  return f && typeof f.value === "number" ? f.value !== 0 : undefined;
}

export function children(p: Parsed, k: string): BlobmsgField[] | undefined {
  const f = p[k];
  return f && Array.isArray(f.value) ? f.value : undefined;
}

/** rpcd `rpc_uci_format_blob`: strings as is, integers in decimal (unsigned), else null. */
export function formatBlob(f: BlobmsgField): string | null {
  switch (f.type) {
    case BlobmsgType.STRING:
      return f.value as string;
    case BlobmsgType.INT64:
      return BigInt.asUintN(64, f.value as bigint).toString();
    case BlobmsgType.INT32:
      return String((f.value as number) >>> 0);
    case BlobmsgType.INT16:
      return String((f.value as number) & 0xffff);
    case BlobmsgType.INT8:
      return (f.value as number) !== 0 ? "1" : "0";
    default:
      return null;
  }
}
