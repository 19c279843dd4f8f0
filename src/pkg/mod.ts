// Package writers and readers: GNU tar, gzip, .ipk (opkg) and APKv3 .apk (apk-tools 3).
export * from "./tree.ts";
export * from "./tar.ts";
export * from "./gzip.ts";
export * from "./meta.ts";
export * from "./openwrt_scripts.ts";
export * from "./ipk.ts";
export * from "./adb.ts";
export * from "./apk.ts";
export * from "./apk_read.ts";
