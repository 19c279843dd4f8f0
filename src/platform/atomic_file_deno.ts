/** What marks the temporary file of `writeFileAtomic` (`<path>.punch-tmp-<random>`). */
export const TEMP_MARK = ".punch-tmp-";

/**
 * Remove the temporary files an interrupted `writeFileAtomic` left in `dir` (a crash between
 * writing and renaming: the file may hold a key). punchd calls it at start, before writing
 * anything; returns the names removed. A missing directory is fine.
 */
export async function removeTempLeftovers(dir: string): Promise<string[]> {
  const gone: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.includes(TEMP_MARK)) continue;
      await Deno.remove(`${dir}/${e.name}`).then(() => gone.push(e.name), () => {});
    }
  } catch { /* no such directory */ }
  return gone;
}

/** Write a file so that readers see the old or the new content, never a mix: temp file, fsync, rename. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}${TEMP_MARK}${crypto.randomUUID().slice(0, 8)}`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const f = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } finally {
    f.close();
  }
  try {
    await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Mode bits of a file, or `fallback` when it does not exist. */
export async function modeOf(path: string, fallback: number): Promise<number> {
  try {
    return ((await Deno.stat(path)).mode ?? fallback) & 0o7777;
  } catch {
    return fallback;
  }
}

export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
