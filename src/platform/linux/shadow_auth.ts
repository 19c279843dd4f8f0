import { verifyCrypt } from "../../lib/crypt.ts";
import { readTextOrNull } from "../atomic_file_deno.ts";
import type { AuthBackend } from "../types.ts";

/** A hash checked for unknown users, so they take as long as known ones. */
const DUMMY_HASH = "$1$punchpun$jpXdjlUPocj/gwy/nk1Nx0";

/** The hash field of `user` in shadow(5) text, or undefined. */
export function shadowHash(text: string, user: string): string | undefined {
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === user && f.length >= 2) return f[1];
  }
  return undefined;
}

/** Logins checked against `<root>/etc/shadow`, as rpcd's `$p$root` does on OpenWrt. */
export class ShadowAuth implements AuthBackend {
  constructor(private readonly root: string) {}

  async login(username: string, password: string): Promise<boolean> {
    const text = (await readTextOrNull(`${this.root}/etc/shadow`)) ?? "";
    const hash = shadowHash(text, username);
    if (hash === undefined) {
      verifyCrypt(password, DUMMY_HASH);
      return false;
    }
    return verifyCrypt(password, hash);
  }
}
