export * from "./stun_constants.ts";
export * from "./stun_codec.ts";
export { decodeAddress, encodeAddress } from "./stun_address.ts";
export { crc32 } from "./crc32.ts";
export * from "./stun_client.ts";
export * from "./stun_server.ts";
