/**
 * Nebula (Debian package `nebula`) for the NAT matrix: a CA, a lighthouse that also relays on a lab
 * internet host, and one node on each router; connected when b pings a's overlay address.
 */
import type { Lab } from "../test/lab/lab.ts";
import { mustRun } from "../test/lab/netns_deno.ts";

export const NEBULA_PORT = 4242;
const OVERLAY = { lh: "10.98.0.1", a: "10.98.0.2", b: "10.98.0.3" } as const;

/** Whether `nebula` and `nebula-cert` are installed. */
export async function haveNebula(): Promise<boolean> {
  try {
    const r = await new Deno.Command("nebula-cert", {
      args: ["-version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

function config(dir: string, id: string, lighthouse: string[], isLh: boolean): string {
  const lh = lighthouse.map((h) => `"${h}"`).join(", ");
  return [
    "pki:",
    `  ca: ${dir}/ca.crt`,
    `  cert: ${dir}/${id}.crt`,
    `  key: ${dir}/${id}.key`,
    "static_host_map:",
    `  "${OVERLAY.lh}": [${lh}]`,
    "lighthouse:",
    `  am_lighthouse: ${isLh}`,
    "  interval: 10",
    ...(isLh ? ["  hosts: []"] : ["  hosts:", `    - "${OVERLAY.lh}"`]),
    "listen:",
    '  host: "[::]"',
    `  port: ${NEBULA_PORT}`,
    "punchy:",
    "  punch: true",
    "  respond: true",
    "relay:",
    `  am_relay: ${isLh}`,
    "  use_relays: true",
    ...(isLh ? [] : ["  relays:", `    - "${OVERLAY.lh}"`]),
    "tun:",
    "  dev: nebula1",
    "logging:",
    "  level: info",
    "firewall:",
    "  outbound:",
    "    - port: any",
    "      proto: any",
    "      host: any",
    "  inbound:",
    "    - port: any",
    "      proto: any",
    "      host: any",
    "",
  ].join("\n");
}

/** Make the CA, certificates and configs under `dir`; `lighthouse` are its `host:port`s. */
export async function nebulaFiles(dir: string, lighthouse: string[]): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await mustRun([
    "nebula-cert",
    "ca",
    "-name",
    "lab",
    "-out-crt",
    `${dir}/ca.crt`,
    "-out-key",
    `${dir}/ca.key`,
  ]);
  for (const [id, ip] of Object.entries(OVERLAY)) {
    await mustRun([
      "nebula-cert",
      "sign",
      "-ca-crt",
      `${dir}/ca.crt`,
      "-ca-key",
      `${dir}/ca.key`,
      "-name",
      id,
      "-ip",
      `${ip}/24`,
      "-out-crt",
      `${dir}/${id}.crt`,
      "-out-key",
      `${dir}/${id}.key`,
    ]);
    await Deno.writeTextFile(`${dir}/${id}.yml`, config(dir, id, lighthouse, id === "lh"));
  }
}

/** Start nebula for `id` ("lh", "a", "b") on lab node `node`. */
export function startNebula(lab: Lab, node: string, id: string, dir: string) {
  return lab.spawn(node, ["nebula", "-config", `${dir}/${id}.yml`], {
    logFile: lab.logPath(node, "nebula"),
  });
}

/**
 * b's first completed handshake with a, from b's log (a ping would also need a firewall zone for
 * nebula1 on the routers): undefined until then, else the path: "relayed" when it came through
 * the lighthouse's relay (no UDP address), "direct" otherwise.
 */
export async function nebulaHandshake(lab: Lab): Promise<string | undefined> {
  const log = await Deno.readTextFile(lab.logPath("b", "nebula")).catch(() => "");
  const line = log.split("\n").find((l) =>
    l.includes('msg="Handshake message received"') && l.includes("certName=a ")
  );
  if (line === undefined) return undefined;
  return line.includes('udpAddr="<nil>"') ? "relayed" : "direct";
}
