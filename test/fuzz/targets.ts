// Every fuzz target, in one table for the unit run and the long run.
import type { FuzzTarget } from "./fuzz.ts";
import { lengthTargets } from "./length_targets.ts";
import { miscTargets } from "./misc_targets.ts";
import { peerTargets } from "./peer_targets.ts";
import { pkgTargets } from "./pkg_targets.ts";
import { stunTargets } from "./stun_targets.ts";
import { textTargets } from "./text_targets.ts";
import { ubusTargets } from "./ubus_targets.ts";
import { webTargets } from "./web_targets.ts";

export const ALL_TARGETS: readonly FuzzTarget[] = [
  ...stunTargets,
  ...peerTargets,
  ...textTargets,
  ...ubusTargets,
  ...pkgTargets,
  ...miscTargets,
  ...webTargets,
  ...lengthTargets,
];
