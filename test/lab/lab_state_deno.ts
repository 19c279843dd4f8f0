/**
 * Lab state on disk (`<dir>/lab.json`) and tear-down: kill every process in the lab's namespaces,
 * delete the namespaces (their veths go with them) and remove the lab directory.
 */
import { deleteNs, killGroup, listNetns } from "./netns_deno.ts";
import type { LabPlan, LabSpec } from "./topology.ts";

export interface LabState {
  name: string;
  spec: LabSpec;
  plan: LabPlan;
  namespaces: string[];
  pids: number[];
}

/** Base directory for labs: `$PUNCH_LAB_DIR` or `/tmp/punch-lab`. */
export function labBaseDir(): string {
  return Deno.env.get("PUNCH_LAB_DIR") ?? "/tmp/punch-lab";
}

/** A lab's directory: the explicit one, else `<base>/<name>`. */
export function labDirFor(name: string, dir?: string): string {
  return dir ?? `${labBaseDir()}/${name}`;
}

/** Write `<dir>/lab.json` atomically (temp file + rename), so readers never see half a file. */
export async function writeState(dir: string, s: LabState): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.lab.json.${Deno.pid}.${Math.random().toString(36).slice(2)}`;
  await Deno.writeTextFile(tmp, JSON.stringify(s, null, 2) + "\n");
  await Deno.rename(tmp, `${dir}/lab.json`);
}

let queue: Promise<void> = Promise.resolve();

/** Change the saved state (read, edit, write; one update at a time in this process). */
export function updateState(dir: string, edit: (s: LabState) => void): Promise<void> {
  const next = queue.then(async () => {
    const s = await readState(dir);
    if (s === null) return;
    edit(s);
    await writeState(dir, s);
  });
  queue = next.catch(() => {});
  return next;
}

export async function readState(dir: string): Promise<LabState | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/lab.json`)) as LabState;
  } catch {
    return null;
  }
}

/** Namespaces that belong to lab `name` (`<name>-…`; lab names never contain "-"). */
export async function labNamespaces(name: string): Promise<string[]> {
  return (await listNetns()).filter((ns) => ns.startsWith(`${name}-`));
}

/** Tear down lab `name`: processes, namespaces, veths, directory. Safe to call repeatedly. */
export async function labDown(name: string, dir?: string): Promise<void> {
  if (!/^[a-z][a-z0-9]{0,11}$/.test(name)) {
    throw new RangeError(`Cannot tear down lab "${name}": use 1-12 lowercase letters/digits`);
  }
  const d = labDirFor(name, dir);
  const state = await readState(d);
  for (const pid of state?.pids ?? []) await killGroup(pid, 500);
  const all = new Set([...(state?.namespaces ?? []), ...(await labNamespaces(name))]);
  const existing = new Set(await listNetns());
  await Promise.all([...all].filter((ns) => existing.has(ns)).map((ns) => deleteNs(ns)));
  await Deno.remove(d, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
