import { describe, expect, test } from "vitest";
import { decodeKey, isKey, privateKeyFromRandom, publicKeyOf } from "../../src/wg/keys.ts";
import { toBase64 } from "../../src/lib/base64.ts";

async function wgAsync(args: string[], stdin = ""): Promise<string> {
  const p = new Deno.Command("wg", { args, stdin: "piped", stdout: "piped" }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await p.output();
  if (!out.success) throw new Error(`wg ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout).trim();
}

describe("keys against the real wg tool", () => {
  test("our public key equals `wg pubkey` for keys from `wg genkey`", async () => {
    for (let i = 0; i < 5; i++) {
      const priv = await wgAsync(["genkey"]);
      expect(publicKeyOf(priv)).toBe(await wgAsync(["pubkey"], priv + "\n"));
    }
  });

  test("our generated private keys are accepted by `wg pubkey` and clamped like genkey", async () => {
    for (let i = 0; i < 5; i++) {
      const priv = privateKeyFromRandom(crypto.getRandomValues(new Uint8Array(32)));
      const bytes = decodeKey(priv);
      expect(bytes[0]! & 7).toBe(0);
      expect(bytes[31]! & 0xc0).toBe(0x40);
      expect(priv).toHaveLength(44);
      expect(publicKeyOf(priv)).toBe(await wgAsync(["pubkey"], priv + "\n"));
    }
  });

  test("a fixed vector: all-zero random gives the clamped key and its public key", async () => {
    const priv = privateKeyFromRandom(new Uint8Array(32));
    expect(priv).toBe(toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 64 : 0))));
    expect(publicKeyOf(priv)).toBe(await wgAsync(["pubkey"], priv + "\n"));
  });

  test("bad keys are refused with a message that never echoes the private key", () => {
    expect(isKey("abc")).toBe(false);
    expect(isKey(toBase64(new Uint8Array(31)))).toBe(false);
    const secretish = toBase64(new Uint8Array(33).fill(7));
    expect(() => decodeKey(secretish, "private key")).toThrow(/Cannot read private key: 33 bytes/);
    try {
      decodeKey(secretish, "private key");
    } catch (e) {
      expect(String(e)).not.toContain(secretish);
    }
    expect(() => privateKeyFromRandom(new Uint8Array(5))).toThrow(RangeError);
  });
});
