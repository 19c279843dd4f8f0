// Ed25519 as Punch uses it: noble's curve without the base point's precomputed table.
//
// By default noble builds a W=6 window table for the base point on the first signature (about
// 1400 points, ~0.7 MB of heap) and keeps it for the life of the process. punchd signs a card on a
// WAN change and verifies a handful of cards, so a router's memory is worth more than the few
// milliseconds each signature gains from the table: W=1 selects noble's table-less constant-time
// path (scripts/bench-package measures the effect on idle memory).
import { ed25519 } from "@noble/curves/ed25519.js";

ed25519.Point.BASE.precompute(1);

export { ed25519 };
