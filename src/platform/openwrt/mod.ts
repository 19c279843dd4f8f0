import type { Platform } from "../types.ts";

/** The OpenWrt backend (ubus, rpcd uci, netifd, fw4). */
export function openwrtPlatform(_root: string): Promise<Platform> {
  return Promise.reject(new Error("The openwrt platform is not available in this build; use --platform linux"));
}
