/**
 * The symmetric half of the join handshake and the token MACs: a Noise-style chaining key and
 * transcript hash (SHA-256, HKDF, ChaCha20-Poly1305). Every AEAD key is used for exactly one
 * message, so the nonce is always zero.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { expand, extract, hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equalBytes, utf8 } from "../lib/bytes.ts";

const ZERO_NONCE = new Uint8Array(12);
/** Poly1305 tag length. */
export const AEAD_TAG = 16;

/** SHA-256 of the concatenation of `parts`. */
export function hash(...parts: Uint8Array[]): Uint8Array {
  return sha256(concat(parts));
}

/** HKDF-SHA256 with a text label as `info`. */
export function derive(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  label: string,
  length: number,
): Uint8Array {
  return hkdf(sha256, ikm, salt, utf8.encode(label), length);
}

/** HMAC-SHA256 truncated to `length` bytes. */
export function mac(key: Uint8Array, data: Uint8Array, length: number): Uint8Array {
  return hmac(sha256, key, data).subarray(0, length);
}

/** Constant-time comparison of a received MAC with the expected one. */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/** Chaining key `ck` (secret) and transcript hash `h` (public) of one handshake. */
export class SymmetricState {
  constructor(public ck: Uint8Array, public h: Uint8Array) {}

  /** Start from a protocol name, as Noise does: both values are its hash. */
  static start(protocol: string): SymmetricState {
    const h = sha256(utf8.encode(protocol));
    return new SymmetricState(h, h);
  }

  copy(): SymmetricState {
    return new SymmetricState(this.ck.slice(), this.h.slice());
  }

  mixHash(data: Uint8Array): void {
    this.h = hash(this.h, data);
  }

  /** Mix secret input into the chaining key and return a fresh one-message AEAD key. */
  mixKey(ikm: Uint8Array): Uint8Array {
    const okm = expand(sha256, extract(sha256, ikm, this.ck), new Uint8Array(0), 64);
    this.ck = okm.slice(0, 32);
    return okm.slice(32, 64);
  }

  /** Seal with the transcript as associated data, then add the ciphertext to the transcript. */
  seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const ct = chacha20poly1305(key, ZERO_NONCE, this.h).encrypt(plaintext);
    this.mixHash(ct);
    return ct;
  }

  /** Open what `seal` made, or null when the tag does not verify. */
  open(key: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    let pt: Uint8Array;
    try {
      pt = chacha20poly1305(key, ZERO_NONCE, this.h).decrypt(ciphertext);
    } catch {
      return null;
    }
    this.mixHash(ciphertext);
    return pt;
  }
}
