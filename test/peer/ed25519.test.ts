// src/peer/ed25519.ts: noble's Ed25519 without the base point table still signs per RFC 8032.
import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "../../src/lib/bytes.ts";
import { ed25519 } from "../../src/peer/ed25519.ts";

// RFC 8032, section 7.1, TEST 1 (empty message)
const SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const SIGNATURE =
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

describe("ed25519 (table-less base point)", () => {
  test("RFC 8032 test 1: public key, signature and verification", () => {
    const sk = fromHex(SECRET);
    expect(toHex(ed25519.getPublicKey(sk))).toBe(PUBLIC);
    const sig = ed25519.sign(new Uint8Array(0), sk);
    expect(toHex(sig)).toBe(SIGNATURE);
    expect(ed25519.verify(sig, new Uint8Array(0), fromHex(PUBLIC))).toBe(true);
    sig[0]! ^= 1;
    expect(ed25519.verify(sig, new Uint8Array(0), fromHex(PUBLIC))).toBe(false);
  });
});
