import { x25519 } from "@noble/curves/ed25519.js";
import { fromBase64, toBase64 } from "../lib/base64.ts";

/** Length of a WireGuard key in bytes (Curve25519). */
export const KEY_BYTES = 32;

/** A private key from 32 random bytes, clamped as `wg genkey` does, in base64. */
export function privateKeyFromRandom(random: Uint8Array): string {
  if (random.length !== KEY_BYTES) throw new RangeError(`Need ${KEY_BYTES} random bytes for a key`);
  const k = random.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return toBase64(k);
}

/** The public key of a base64 private key, as `wg pubkey` prints it. */
export function publicKeyOf(privateKey: string): string {
  return toBase64(x25519.getPublicKey(decodeKey(privateKey, "private key")));
}

/** Decode and check a base64 WireGuard key; the message names `what` but never the value of a private key. */
export function decodeKey(text: string, what = "key"): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text.trim());
  } catch {
    throw new SyntaxError(
      `Cannot read ${what}: not base64 (a WireGuard key is 44 characters ending in "=")`,
    );
  }
  if (bytes.length !== KEY_BYTES) {
    throw new SyntaxError(`Cannot read ${what}: ${bytes.length} bytes instead of ${KEY_BYTES}`);
  }
  return bytes;
}

/** Whether `text` is a well-formed base64 WireGuard key. */
export function isKey(text: string): boolean {
  try {
    decodeKey(text);
    return true;
  } catch {
    return false;
  }
}
