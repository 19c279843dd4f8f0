/**
 * Flash writes (issue 12): what punchd writes under its routers' /etc (flash on a real router)
 * per WAN change (on the router that moved and on its peer, which receives the pushed card), and
 * per hour of idling. Two lab routers (lab "fw" unless `--lab NAME`), paired with invite/join, tunnel up. Writes
 * are counted with inotify (Deno.watchFs) on `<root>/etc`: every file created, written or
 * renamed into place, with its path, so the output says what is still written and why.
 *
 *   scripts/bench flash [--idle 60] [--changes 3] [--lab fw]
 *
 * The lab's own write of the new WAN address into the moving router's network file (what netifd
 * would do) happens before counting starts.
 */
import { labUp } from "../test/lab/lab.ts";
import { ctl, median } from "./bench_common.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] !== undefined ? Deno.args[i + 1]! : fallback;
}
const idleS = Number(arg("idle", "60"));
const changes = Number(arg("changes", "3"));
const labName = arg("lab", "fw");
if (
  !(idleS >= 5 && idleS <= 3600) || !(Number.isInteger(changes) && changes >= 1 && changes <= 10)
) {
  console.error("Cannot run the benchmark: --idle takes 5..3600 seconds, --changes 1..10");
  Deno.exit(2);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Files written under `dir` while `during` runs (temporary files of atomic writes folded in). */
async function writesDuring(dirs: string[], during: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const watchers = dirs.map((d) => Deno.watchFs(d, { recursive: true }));
  const pumps = watchers.map(async (w) => {
    for await (const ev of w) {
      if (ev.kind === "access" || ev.kind === "remove" || ev.kind === "other") continue;
      for (const p of ev.paths) seen.push(p.replace(/\.punch-tmp-[^/]*$/, ""));
    }
  });
  try {
    await during();
    await sleep(300); // let the last events arrive
  } finally {
    for (const w of watchers) w.close();
    await Promise.allSettled(pumps);
  }
  return seen;
}

/** Distinct files written, with how many events each. */
function summary(paths: string[], root: string): string {
  const n = new Map<string, number>();
  for (const p of paths) n.set(p.slice(root.length), (n.get(p.slice(root.length)) ?? 0) + 1);
  return [...n].map(([p, c]) => `${p} (${c})`).join(", ") || "nothing";
}
const files = (paths: string[]) => new Set(paths).size;

const lab = await labUp({ name: labName, routers: [{ id: "a", hosts: 1 }, { id: "b", hosts: 1 }] });
try {
  await Promise.all([lab.startPunchd("a"), lab.startPunchd("b")]);
  const token = (JSON.parse(await ctl(lab, "a", ["invite", "--json"])) as { token: string }).token;
  await ctl(lab, "b", ["join", token]);
  const ping = () =>
    lab.exec("b1", ["ping", "-c1", "-W1", lab.hostAddress("a1")]).then((r) => r.code === 0);
  for (let i = 0; i < 60 && !(await ping()); i++) await sleep(250);
  await sleep(3000); // pairing's own writes (state, cards) are done
  const root = (id: string) => lab.routerDir(id);
  const etc = (id: string) => `${root(id)}/etc`;

  const idle = await writesDuring([etc("a"), etc("b")], () => sleep(idleS * 1000));
  const idleA = idle.filter((p) => p.startsWith(root("a"))),
    idleB = idle.filter((p) => p.startsWith(root("b")));
  const perHour = (k: number) => Math.round((k * 3600) / idleS);

  const movedA: number[] = [], peerB: number[] = [];
  const whatA: string[] = [], whatB: string[] = [];
  for (let i = 1; i <= changes; i++) {
    await lab.setWanAddress("a", `203.0.113.${i % 2 ? 110 : 10}/24`);
    const w = await writesDuring([etc("a"), etc("b")], async () => {
      for (let k = 0; k < 60 && !(await ping()); k++) await sleep(250);
      await sleep(8000); // card pushes retry up to 7.5 s after the change
    });
    const wa = w.filter((p) => p.startsWith(root("a"))),
      wb = w.filter((p) => p.startsWith(root("b")));
    movedA.push(files(wa));
    peerB.push(files(wb));
    whatA.push(summary(wa, root("a")));
    whatB.push(summary(wb, root("b")));
    console.log(
      `WAN change ${i}: router that moved wrote ${summary(wa, root("a"))}; peer wrote ${
        summary(wb, root("b"))
      }`,
    );
  }
  console.log(`\nflash writes (files under /etc written; events in brackets):`);
  console.log(`idle ${idleS} s: a ${summary(idleA, root("a"))}; b ${summary(idleB, root("b"))}`);
  console.log(
    `  per hour idle: a ${perHour(files(idleA) ? idleA.length : 0)} writes, b ${
      perHour(files(idleB) ? idleB.length : 0)
    } writes`,
  );
  console.log(
    `per WAN change, router that moved: median ${median(movedA)} files (${movedA.join(", ")})`,
  );
  console.log(
    `per WAN change, peer receiving the card push: median ${median(peerB)} files (${
      peerB.join(", ")
    })`,
  );
} finally {
  await lab.down();
}
