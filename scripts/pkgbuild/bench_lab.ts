// The live part of scripts/bench-package: the x86_64 package's punchd on two lab routers, paired
// through an invite, with a tunnel up and the web UI in use, then left idle; reports each punchd's
// anonymous and file-backed RSS. Source mode (bin/punchd) runs in the same lab for comparison.
import { type Lab, labUp } from "../../test/lab/lab.ts";
import { LAB_ROOT_PASSWORD } from "../../test/lab/uci_files.ts";
import { ctl, fmtMiB, hasHandshake, median, rssOf } from "../bench_common.ts";
import { LIB_DIR } from "./payload.ts";

const WEB_PORT = 8451;
const PAGES = ["/", "/peers", "/invite", "/netcheck", "/lan"];
const HANDSHAKE_LIMIT_MS = 30_000;

const sleep = (ms: number) => new Promise((f) => setTimeout(f, ms));

/** The installed wrapper, pointed at a package unpacked under `pkgRoot` instead of `/`. */
async function hostWrapper(pkgRoot: string, denoDir: string, out: string): Promise<string> {
  const text = (await Deno.readTextFile(`${pkgRoot}/usr/bin/punchd`))
    .replace(`d=${LIB_DIR}`, `d=${pkgRoot}${LIB_DIR}`)
    .replace(/DENO_DIR=\S+/, `DENO_DIR=${denoDir}`);
  if (!text.includes(pkgRoot)) throw new Error("Cannot adapt the punchd wrapper: no d= line");
  await Deno.writeTextFile(out, text, { mode: 0o755 });
  return out;
}

/** Signs in to the router's web UI from its LAN host with curl and loads every page once. */
async function useWebUi(lab: Lab, router: string): Promise<void> {
  const base = `http://${lab.lanAddress(router)}:${WEB_PORT}`;
  const jar = `${lab.dir}/cookies-${router}`;
  const curl = (args: string[]) =>
    lab.exec(`${router}1`, ["curl", "-sS", "-m", "10", "-b", jar, "-c", jar, ...args]);
  const login = await curl([`${base}/login`]);
  const csrf = /name="login_csrf" value="([^"]+)"/.exec(login.stdout)?.[1];
  if (csrf === undefined) throw new Error(`No sign-in form on ${base}/login: ${login.stderr}`);
  const signed = await curl([
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "--data-urlencode",
    "username=root",
    "--data-urlencode",
    `password=${LAB_ROOT_PASSWORD}`,
    "--data-urlencode",
    `login_csrf=${csrf}`,
    `${base}/login`,
  ]);
  if (signed.stdout !== "303") throw new Error(`Sign-in on ${base} answered ${signed.stdout}`);
  for (const p of PAGES) {
    const r = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}${p}`]);
    if (r.stdout !== "200") throw new Error(`${base}${p} answered ${r.stdout}`);
  }
}

interface Sample {
  anon: number;
  file: number;
}

/** One mode: punchd (the given program) on two routers, paired, web UI used, idle, then RSS. */
async function measure(
  lab: Lab,
  [x, y]: readonly [string, string],
  program: string | undefined,
  idleS: number,
): Promise<Sample[]> {
  const opts = program === undefined ? {} : { program };
  await Promise.all([x, y].map((id) => lab.startPunchd(id, [], opts)));
  try {
    const token = (JSON.parse(await ctl(lab, x, ["invite", "--json"])) as { token: string }).token;
    await ctl(lab, y, ["join", token]);
    const t0 = Date.now();
    while (!(await hasHandshake(lab, y))) {
      if (Date.now() - t0 > HANDSHAKE_LIMIT_MS) throw new Error("No handshake after the join");
      await sleep(100);
    }
    await Promise.all([x, y].map((id) => useWebUi(lab, id)));
    await sleep(idleS * 1000);
    const out: Sample[] = [];
    for (const id of [x, y]) {
      const r = await rssOf(lab.punchdPid(id)!);
      out.push({ anon: r.anonKiB, file: r.fileKiB });
    }
    return out;
  } finally {
    await Promise.all([x, y].map((id) => lab.stopPunchd(id)));
  }
}

/**
 * Both modes in one lab (package on routers a and b, source on c and d, one after the other) and
 * prints the figures. `pkgRoot` holds the unpacked x86_64 package.
 */
export async function benchLab(pkgRoot: string, work: string, idleS: number): Promise<void> {
  const denoDir = `${work}/deno`;
  const program = await hostWrapper(pkgRoot, denoDir, `${work}/punchd-wrapper`);
  const lab = await labUp({ name: "bpk", routers: ["a", "b", "c", "d"].map((id) => ({ id })) });
  try {
    const modes = [["package", ["a", "b"], program], ["source", ["c", "d"], undefined]] as const;
    for (const [label, pair, prog] of modes) {
      const s = await measure(lab, pair, prog, idleS);
      const anon = median(s.map((x) => x.anon));
      const file = median(s.map((x) => x.file));
      console.log(
        `${label}: RssAnon ${s.map((x) => fmtMiB(x.anon)).join(" / ")} (median ${
          fmtMiB(anon)
        }), RssFile median ${fmtMiB(file)}`,
      );
    }
  } finally {
    await lab.down();
  }
}
