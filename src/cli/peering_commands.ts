import type { Command } from "./command.ts";

/** punchctl invite, join, accept and cards (stub while it is being written). */
export const PEERING_COMMANDS: readonly Command[] = [];
