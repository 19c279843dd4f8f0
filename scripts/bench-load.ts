/**
 * Load benchmark (issue 13): punchd with 100 peers and 200 LAN hosts. Measures RSS (anonymous,
 * file) after the periodic full collection, idle CPU, `status` time through the control socket
 * (median of 20, plus `punchctl status` wall time), the web status page time, and a bounded flood
 * of 2000 bad datagrams on each WAN port (WireGuard, control, STUN) from a lab internet host:
 * punchd's CPU seconds and RSS delta. Peers get generated keys and documentation-range endpoints
 * that do not exist in the lab (they never handshake).
 * Modes: "package" runs the package's program form (the `deno bundle` of scripts/build-packages,
 * with the package wrapper's Deno and V8 flags, warmed once like the wrapper does) on this host's
 * Deno, without the glibc loader; "source" runs src/daemon/main.ts with --expose-gc.
 * Usage: scripts/bench load [--mode package|source|both] [--peers N] [--hosts N] [--keep]
 *        [--v8-flags F] (package mode with other V8 flags)
 */
import { labUp } from "../test/lab/lab.ts";
import { bundle } from "./pkgbuild/inputs.ts";
import { PUNCHD_RUN_FLAGS, PUNCHD_V8_FLAGS, RUN_FLAGS } from "./pkgbuild/payload.ts";
import { LAB_ROOT_PASSWORD } from "../test/lab/uci_files.ts";
import { ControlClient } from "../src/cli/control_client_deno.ts";
import { privateKeyFromRandom, publicKeyOf } from "../src/wg/keys.ts";
import { cpuSecondsOf, fmtMiB, median, rssOf } from "./bench_common.ts";

const arg = (name: string, dflt: number) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) || dflt : dflt;
};
const PEERS = Math.min(arg("--peers", 100), 250);
const HOSTS = Math.min(arg("--hosts", 200), 240);
const FLOOD = 2000;
const STUN_PORT = 3478;
const WEB_PORT = 8451;
const GC_WAIT_MS = 70_000; // punchd collects in full every 60 s (heap_gc.ts)
const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const modeArg = Deno.args[Deno.args.indexOf("--mode") + 1];
const MODES = Deno.args.includes("--mode") && modeArg !== "both"
  ? [modeArg as "package" | "source"]
  : (["package", "source"] as const);
for (const m of MODES) {
  if (m !== "package" && m !== "source") throw new Error(`--mode takes package, source or both`);
}
const DENO = `${ROOT}/node_modules/.bin/deno`;
/** `--v8-flags F`: package mode with other V8 flags than the package's (to try some). */
const V8_FLAGS = Deno.args.includes("--v8-flags")
  ? Deno.args[Deno.args.indexOf("--v8-flags") + 1]!
  : PUNCHD_V8_FLAGS;

/** A shell wrapper that starts punchd the way `mode` says; made under `dir`. */
async function program(mode: "package" | "source", dir: string): Promise<string> {
  const out = `${dir}/punchd-${mode}.sh`;
  let text: string;
  if (mode === "source") {
    text = `exec "${DENO}" run --allow-all --unstable-net --no-prompt --quiet ` +
      `--v8-flags=--expose-gc "${ROOT}/src/daemon/main.ts" "$@"`;
  } else {
    const js = `${dir}/punch.js`;
    await bundle(ROOT, js);
    const run = `"${DENO}" run ${RUN_FLAGS.join(" ")}`;
    const denoDir = `${dir}/deno`;
    // The wrapper's first run of a new bundle, apart from the long-running punchd.
    const warm = new Deno.Command("sh", {
      args: ["-c", `DENO_DIR=${denoDir} ${run} "${js}" punchctl --version`],
    });
    await warm.output();
    text = `export DENO_DIR=${denoDir} DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1\n` +
      `exec ${run} ${PUNCHD_RUN_FLAGS.join(" ")} --v8-flags=${V8_FLAGS} "${js}" punchd "$@"`;
  }
  await Deno.writeTextFile(out, `#!/bin/sh\n${text}\n`, { mode: 0o755 });
  return out;
}

for (const mode of MODES) await runMode(mode);

async function runMode(mode: "package" | "source"): Promise<void> {
  const lab = await labUp({
    name: "ld",
    routers: [{ id: "a", hosts: 1 }],
    internetHosts: [{ id: "x", addresses: ["203.0.113.77/24"] }],
  });
  try {
    // punchd's own STUN server on the WAN, so the flood has a third port to hit.
    const cfg = `${lab.routerDir("a")}/etc/config/punch`;
    await Deno.writeTextFile(cfg, `\toption stun_port '${STUN_PORT}'\n`, { append: true });
    await lab.startPunchd("a", [], { program: await program(mode, lab.dir) });
    const pid = lab.punchdPid("a")!;
    const c = await ControlClient.connect(lab.socketPath("a"));

    const t0 = performance.now();
    for (let i = 0; i < PEERS; i++) {
      const key = publicKeyOf(privateKeyFromRandom(crypto.getRandomValues(new Uint8Array(32))));
      await c.call("peer.add", {
        publicKey: key,
        name: `load${i}`,
        endpoint: `198.51.100.${1 + (i % 250)}:${51820 + Math.floor(i / 250)}`,
        allowedIps: [`10.88.${i >> 8}.${i & 255}/32`],
      });
    }
    const peersMs = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < HOSTS; i++) {
      await c.call("lan.add", { host: `192.168.1.${10 + i}:51820`, name: `h${i}`, remote: [] });
    }
    const hostsMs = performance.now() - t1;
    console.log(
      `added ${PEERS} peers in ${(peersMs / 1000).toFixed(1)} s, ${HOSTS} LAN hosts in ${
        (hostsMs / 1000).toFixed(1)
      } s`,
    );

    // Settle, let the periodic collection run, then measure idle CPU over the next minute.
    await sleep(GC_WAIT_MS);
    const rss = await rssOf(pid);
    const cpu0 = await cpuSecondsOf(pid);
    await sleep(60_000);
    const idleCpu = (await cpuSecondsOf(pid)) - cpu0;

    const statusMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await c.call("status");
      statusMs.push(performance.now() - s);
    }
    const ctlMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const r = await lab.punchctl("a", ["status"]);
      if (r.code !== 0) throw new Error(`punchctl status: ${r.stderr}`);
      ctlMs.push(performance.now() - s);
    }
    c.close();

    // The web status page from the LAN host, signed in (curl's own time for the page).
    const base = `http://${lab.lanAddress("a")}:${WEB_PORT}`;
    const jar = `${lab.dir}/cookies.txt`;
    const page = await lab.exec("a1", ["curl", "-s", "-c", jar, `${base}/login`]);
    const csrf = /name="login_csrf" value="([^"]+)"/.exec(page.stdout)?.[1];
    if (!csrf) throw new Error("No login form on the web UI");
    const login = await lab.exec("a1", [
      "curl",
      "-s",
      "-b",
      jar,
      "-c",
      jar,
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `Origin: ${base}`,
      "--data-urlencode",
      "username=root",
      "--data-urlencode",
      `password=${LAB_ROOT_PASSWORD}`,
      "--data-urlencode",
      `login_csrf=${csrf}`,
      `${base}/login`,
    ]);
    if (login.stdout !== "303") throw new Error(`Web login answered ${login.stdout}`);
    const webMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await lab.exec("a1", [
        "curl",
        "-s",
        "-b",
        jar,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{time_total}",
        `${base}/`,
      ]);
      const [code, secs] = r.stdout.split(" ");
      if (code !== "200") throw new Error(`Web status page answered ${code}`);
      webMs.push(Number(secs) * 1000);
    }

    // The flood: 2000 datagrams of junk per WAN port, as fast as one sender goes, bounded.
    const flood: { port: number; cpuS: number; anonDeltaKiB: number }[] = [];
    // Baseline and end both after a periodic full collection: what the flood leaves behind.
    await sleep(GC_WAIT_MS);
    const settled = await rssOf(pid);
    for (const port of [51820, 51821, STUN_PORT]) {
      const before = await rssOf(pid), c0 = await cpuSecondsOf(pid);
      // Shapes that get furthest: join requests for invites that do not exist (answered with a
      // 13-byte reject, logged once a minute), card bundles, bare STUN Binding requests (smaller
      // than any answer: dropped), WireGuard-initiation-sized junk; the rest random.
      const py = [
        "import socket,os,struct",
        "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)",
        "def junk(i,port):",
        "  if port==51821 and i%3==0: return b'PJ\\x01\\x01'+os.urandom(8+32+48+16+200)",
        "  if port==51821 and i%3==1: return b'PB'+os.urandom(300)",
        "  if port==3478 and i%2==0: return struct.pack('!HHI',1,0,0x2112A442)+os.urandom(12)",
        "  if port==51820: return b'\\x01\\x00\\x00\\x00'+os.urandom(144)",
        "  return os.urandom(200)",
        `for i in range(${FLOOD}): s.sendto(junk(i,${port}),("${lab.wanAddress("a")}",${port}))`,
        "",
      ].join("\n");
      const r = await lab.exec("x", ["python3", "-c", py]);
      if (r.code !== 0) throw new Error(`flood sender: ${r.stderr}`);
      await sleep(3000); // let punchd drain its queue
      const after = await rssOf(pid);
      flood.push({
        port,
        cpuS: (await cpuSecondsOf(pid)) - c0,
        anonDeltaKiB: after.anonKiB - before.anonKiB,
      });
    }
    await sleep(GC_WAIT_MS);
    const afterFlood = await rssOf(pid);
    const st = JSON.parse((await lab.punchctl("a", ["status", "--json"])).stdout) as {
      badPackets?: unknown;
      stunServer?: unknown;
    };
    const logLines = (await Deno.readTextFile(lab.logPath("a", "punchd"))).split("\n").length;

    const date = new Date().toISOString().slice(0, 10);
    console.log(
      `\nload benchmark, ${date}, punchd ${
        mode === "package"
          ? "in the package's form (bundle, --no-code-cache, --v8-flags=" + V8_FLAGS + ")"
          : "from source (--v8-flags=--expose-gc)"
      }:`,
    );
    console.log(`  ${PEERS} peers, ${HOSTS} LAN hosts`);
    console.log(
      `  RSS after the periodic collection: ${fmtMiB(rss.totalKiB)} = anonymous ${
        fmtMiB(rss.anonKiB)
      } + file-backed ${fmtMiB(rss.fileKiB)}`,
    );
    console.log(`  idle CPU: ${(idleCpu / 60 * 100).toFixed(2)} % of one core over 60 s`);
    console.log(
      `  status through the control socket: median ${median(statusMs).toFixed(1)} ms (max ${
        Math.max(...statusMs).toFixed(1)
      }), punchctl status wall time: median ${median(ctlMs).toFixed(0)} ms`,
    );
    console.log(`  web status page (signed in, curl): median ${median(webMs).toFixed(1)} ms`);
    for (const f of flood) {
      console.log(
        `  flood of ${FLOOD} bad datagrams on UDP ${f.port}: punchd CPU ${
          f.cpuS.toFixed(2)
        } s, anonymous RSS right after ${f.anonDeltaKiB >= 0 ? "+" : ""}${fmtMiB(f.anonDeltaKiB)}`,
      );
    }
    console.log(
      `  all three floods, after the next periodic collection: anonymous RSS ${
        afterFlood.anonKiB >= settled.anonKiB ? "+" : ""
      }${fmtMiB(afterFlood.anonKiB - settled.anonKiB)} (${fmtMiB(settled.anonKiB)} → ${
        fmtMiB(afterFlood.anonKiB)
      })`,
    );
    console.log(
      `  status after the flood: badPackets ${JSON.stringify(st.badPackets)}, stunServer ${
        JSON.stringify(st.stunServer)
      }; punchd log: ${logLines} lines in all`,
    );
  } finally {
    if (!Deno.args.includes("--keep")) await lab.down();
  }
}
