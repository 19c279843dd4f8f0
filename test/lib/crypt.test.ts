import { describe, expect, test } from "vitest";
import { cryptHash, verifyCrypt } from "../../src/lib/crypt.ts";

interface Vector {
  tool: string;
  password: string;
  hash: string;
}
const file = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/lib/crypt.json", import.meta.url)),
) as { vectors: Vector[] };

describe("crypt(3) vectors from openssl passwd and mkpasswd", () => {
  for (const v of file.vectors) {
    test(`${v.tool} ${JSON.stringify(v.password.slice(0, 16))} ${v.hash.slice(0, 12)}`, () => {
      expect(cryptHash(v.password, v.hash)).toBe(v.hash);
      expect(verifyCrypt(v.password, v.hash)).toBe(true);
      expect(verifyCrypt(v.password + "x", v.hash)).toBe(false);
    });
  }
});

describe("verifyCrypt edge cases", () => {
  test("an empty hash accepts any password, as rpcd does", () => {
    expect(verifyCrypt("", "")).toBe(true);
    expect(verifyCrypt("anything", "")).toBe(true);
  });
  test("locked and disabled accounts accept nothing", () => {
    for (const h of ["*", "!", "!!", "!$1$abcdefgh$M55TzYaaccxVGbptZWaxX/", "x"]) {
      expect(verifyCrypt("", h)).toBe(false);
      expect(verifyCrypt("secret", h)).toBe(false);
    }
  });
  test("unknown methods and damaged hashes are rejected", () => {
    expect(verifyCrypt("secret", "$2b$10$abcdefghijklmnopqrstuu")).toBe(false);
    expect(verifyCrypt("secret", "$y$j9T$abc$def")).toBe(false);
    expect(verifyCrypt("secret", "abJnggxhB/yWI")).toBe(false); // DES crypt is not supported
    expect(verifyCrypt("busybox", "$1$mdsalt12$EE3FCTx94y2FXsBZX2cFN")).toBe(false);
    expect(verifyCrypt("busybox", "$1$mdsalt12$EE3FCTx94y2FXsBZX2cFN00")).toBe(false);
    expect(cryptHash("x", "$1$rounds=5$abc$")).toBeNull();
    expect(cryptHash("x", "$7$abc")).toBeNull();
  });
  test("rounds below the minimum are clamped to 1000 as glibc does", () => {
    const h = cryptHash("secret", "$5$rounds=10$roundsalt$");
    expect(h).toBe(
      cryptHash("secret", "$5$rounds=1000$roundsalt$")!.replace("rounds=1000", "rounds=1000"),
    );
    expect(h?.startsWith("$5$rounds=1000$roundsalt$")).toBe(true);
  });
  test("a setting without a digest hashes with that salt", () => {
    expect(cryptHash("busybox", "$1$mdsalt12$")).toBe("$1$mdsalt12$EE3FCTx94y2FXsBZX2cFN0");
  });
});
