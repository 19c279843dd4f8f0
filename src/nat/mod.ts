export * from "./netcheck_report.ts";
export * from "./nat_classify.ts";
export * from "./verdict.ts";
export * from "./ipv6_check.ts";
export * from "./path_hops.ts";
export * from "./mapping_lifetime.ts";
export * from "./netcheck_assemble.ts";
