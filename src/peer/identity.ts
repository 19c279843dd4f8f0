import { x25519 } from "@noble/curves/ed25519.js";
import { ed25519 } from "./ed25519.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64, toBase64 } from "../lib/base64.ts";
import { toHex } from "../lib/bytes.ts";
import { UsageError } from "../lib/errors.ts";

/** Source of random bytes: `(n) => n fresh bytes` (`crypto.getRandomValues` in the daemon). */
export type Random = (n: number) => Uint8Array;

/** Length of X25519 and Ed25519 public keys, private keys and seeds. */
export const KEY_LEN = 32;

/** A router's long-term keys: its WireGuard X25519 pair and its Ed25519 signing pair. */
export interface RouterKeys {
  readonly wgPrivateKey: Uint8Array;
  readonly wgPublicKey: Uint8Array;
  readonly signSeed: Uint8Array;
  readonly signPublicKey: Uint8Array;
}

/**
 * Build a router's keys from its WireGuard private key (base64, as `wg genkey` prints it) and its
 * Ed25519 seed (base64, 32 bytes, see `newSignSeed`).
 */
export function routerKeys(wgPrivateKey: string, signSeed: string): RouterKeys {
  const wgPriv = keyFromBase64(wgPrivateKey, "WireGuard private key", true);
  const seed = keyFromBase64(signSeed, "signing key", true);
  return {
    wgPrivateKey: wgPriv,
    wgPublicKey: x25519.getPublicKey(wgPriv),
    signSeed: seed,
    signPublicKey: ed25519.getPublicKey(seed),
  };
}

/** A fresh Ed25519 seed in base64 for the router's config (keep it as secret as the WireGuard key). */
export function newSignSeed(rand: Random): string {
  const seed = rand(KEY_LEN);
  if (seed.length !== KEY_LEN) {
    throw new RangeError(`Need ${KEY_LEN} random bytes for a signing key`);
  }
  return toBase64(seed);
}

/** Decode a base64 32-byte key; `UsageError` names `what` (never a private value). */
export function keyFromBase64(text: string, what: string, secret = false): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = fromBase64(text.trim());
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined || bytes.length !== KEY_LEN) {
    const shown = secret ? "" : ` "${text.slice(0, 48)}"`;
    throw new UsageError(`Cannot read ${what}${shown}: need 44 characters of base64 ending in "="`);
  }
  return bytes;
}

/** Short human-comparable fingerprint of a public key (first 8 bytes of SHA-256, hex). */
export function fingerprint(publicKey: Uint8Array | string): string {
  const raw = typeof publicKey === "string" ? keyFromBase64(publicKey, "public key") : publicKey;
  return toHex(sha256(raw).subarray(0, 8));
}

/** X25519 shared secret, or null for a low-order or otherwise unusable public key. */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  try {
    return x25519.getSharedSecret(privateKey, publicKey);
  } catch {
    return null;
  }
}
