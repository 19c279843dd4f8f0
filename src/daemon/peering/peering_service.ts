import type { Daemon } from "../daemon.ts";
import type { Handler } from "../handlers.ts";
import type { NetcheckService } from "../netcheck_service.ts";

/** Invites, joins and peer cards for punchd (stub while it is being written). */
export class PeeringService {
  constructor(readonly d: Daemon, readonly netcheck: NetcheckService) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  handlers(): Handler[] {
    return [];
  }
}
