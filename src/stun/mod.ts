export * from "./stun_constants.ts";
export * from "./stun_codec.ts";
export { decodeAddress, encodeAddress } from "./stun_address.ts";
export * from "./stun_client.ts";
export * from "./stun_server.ts";
