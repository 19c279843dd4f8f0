/** punchd's peering: invites, joins, signed peer cards kept current (issue 4). */
export { PeeringService } from "./peering_service.ts";
export {
  DEFAULT_CONTROL_PORT,
  type PeeringOptions,
  readPeeringOptions,
} from "./peering_options.ts";
