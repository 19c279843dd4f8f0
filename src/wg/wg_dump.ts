import { ParseError } from "../lib/errors.ts";

/** The interface line of `wg show <if> dump`. */
export interface WgDumpInterface {
  privateKey: string | null;
  publicKey: string;
  listenPort: number;
  fwmark: number | null;
}

/** One peer line of `wg show <if> dump`. */
export interface WgDumpPeer {
  publicKey: string;
  presharedKey: string | null;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds of the latest handshake; 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number | null;
}

export interface WgDump {
  iface: WgDumpInterface;
  peers: WgDumpPeer[];
}

const NONE = "(none)";
const OFF = "off";

function int(field: string, what: string, line: number): number {
  if (!/^\d+$/.test(field)) {
    throw new ParseError(`Cannot parse wg dump: ${what} "${field}" is not a number`, line);
  }
  return Number(field);
}

function fwmark(field: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(field)) {
    throw new ParseError(`Cannot parse wg dump: fwmark "${field}" is not a number`, 1);
  }
  return Number(field);
}

const orNull = (f: string): string | null => (f === NONE ? null : f);

/**
 * Parse the tab-separated output of `wg show <if> dump` (one interface).
 * @example parseWgDump("priv\tpub\t51820\toff\n") // { iface: {...}, peers: [] }
 */
export function parseWgDump(text: string): WgDump {
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length === 0) throw new ParseError("Cannot parse wg dump: empty output");
  const head = lines[0]!.split("\t");
  if (head.length !== 4) {
    throw new ParseError(
      `Cannot parse wg dump: interface line has ${head.length} fields, expected 4`,
      1,
    );
  }
  const iface: WgDumpInterface = {
    privateKey: orNull(head[0]!),
    publicKey: head[1]!,
    listenPort: int(head[2]!, "listen port", 1),
    fwmark: head[3] === OFF ? null : fwmark(head[3]!),
  };
  const peers = lines.slice(1).map((l, i): WgDumpPeer => {
    const f = l.split("\t");
    const n = i + 2;
    if (f.length !== 8) {
      throw new ParseError(`Cannot parse wg dump: peer line has ${f.length} fields, expected 8`, n);
    }
    return {
      publicKey: f[0]!,
      presharedKey: orNull(f[1]!),
      endpoint: orNull(f[2]!),
      allowedIps: f[3] === NONE ? [] : f[3]!.split(","),
      latestHandshake: int(f[4]!, "latest handshake", n),
      rxBytes: int(f[5]!, "rx bytes", n),
      txBytes: int(f[6]!, "tx bytes", n),
      persistentKeepalive: f[7] === OFF ? null : int(f[7]!, "persistent keepalive", n),
    };
  });
  return { iface, peers };
}
