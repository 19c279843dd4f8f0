export {
  dirFiles,
  startUbusDouble,
  type UbusDouble,
  type UbusDoubleOptions,
} from "./ubusd_double_deno.ts";
export type { InterfaceState } from "./network.ts";
export type { AclGroups, TestUser } from "./session.ts";
export { DEFAULT_SESSION_ID } from "./session.ts";
export { Broker } from "./broker.ts";
