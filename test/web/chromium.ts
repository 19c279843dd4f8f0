import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (apt package `chromium`); browser tests skip when it is missing. */
export const CHROMIUM = "/usr/bin/chromium";

export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Headless Chromium with nothing that talks to the outside network. */
export function launchChromium(executablePath = CHROMIUM, timeout = 30_000): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout,
  });
}
