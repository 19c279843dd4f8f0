// One bundle for both programs: `punch.js punchd ...` or `punch.js punchctl ...` (the wrappers in
// /usr/bin pass the name first). Built by scripts/build-packages with `deno bundle`.
import { punchctlMain } from "../src/cli/main.ts";
import { punchdMain } from "../src/daemon/main.ts";

const [prog, ...rest] = Deno.args;
const mains: Record<string, (argv: string[]) => Promise<number>> = {
  punchd: punchdMain,
  punchctl: punchctlMain,
};
const main = mains[prog ?? ""];
if (main === undefined) {
  console.error(`punch: unknown program "${prog ?? ""}": run it as punchd or punchctl`);
  Deno.exit(2);
}
Deno.exit(await main(rest));
