import type { Platform } from "../types.ts";
import { FileConfigBackend } from "./config_files.ts";
import { LinuxFirewall } from "./firewall_linux.ts";
import { LinuxSystem } from "./system_linux.ts";
import { ShadowAuth } from "./shadow_auth.ts";
import { LinuxWireguard } from "./wireguard_linux.ts";

/** The plain-Linux backend: config files under `root`, wg/ip/nft for the rest. */
export function linuxPlatform(root: string): Platform {
  const config = new FileConfigBackend(root);
  return {
    name: "linux",
    root,
    config,
    wg: new LinuxWireguard(),
    firewall: new LinuxFirewall(),
    system: new LinuxSystem(config),
    auth: new ShadowAuth(root),
    close: () => Promise.resolve(),
  };
}
