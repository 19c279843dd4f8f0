import { expect, test } from "vitest";
import { tunnelAddressFor } from "../../src/wg/tunnel_address.ts";

test("tunnel address is stable, inside the prefix, never network or broadcast", () => {
  const k = "kAnKEasY+gErsAo6wBqjEUBfEeHhIxElWW4d79nhz1Q=";
  expect(tunnelAddressFor("10.77.0.0/16", k)).toBe(tunnelAddressFor("10.77.0.0/16", k));
  expect(tunnelAddressFor("10.77.0.0/16", k)).toMatch(/^10\.77\.\d+\.\d+\/16$/);
  for (let i = 0; i < 50; i++) {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const last = Number(tunnelAddressFor("10.0.0.0/30", key).split("/")[0]!.split(".")[3]);
    expect(last === 1 || last === 2).toBe(true);
  }
  expect(() => tunnelAddressFor("10.0.0.0/31", k)).toThrow(RangeError);
});
