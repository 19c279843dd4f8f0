// Loads the named byte vectors in test/vectors/stun/ (hex with "# " comment lines).
import { fromHex } from "../../src/lib/bytes.ts";
import { type Endpoint, parseEndpoint } from "../../src/lib/net.ts";

export interface Vector {
  name: string;
  bytes: Uint8Array;
  comments: string[];
  /** Parsed from the "# from A to B" comment. */
  from: Endpoint;
  to: Endpoint;
}

const dir = new URL("../vectors/stun/", import.meta.url);

function endpoint(s: string): Endpoint {
  // "::1:3478" style from the capture script: the last colon splits the port.
  const i = s.lastIndexOf(":");
  return s.includes(".") || s.indexOf(":") === i
    ? parseEndpoint(s)
    : { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

export function loadVector(name: string): Vector {
  const text = Deno.readTextFileSync(new URL(`${name}.hex`, dir));
  const comments = text.split("\n").filter((l) => l.startsWith("#")).map((l) => l.slice(2));
  const hex = text.split("\n").filter((l) => !l.startsWith("#")).join("");
  const fromTo = comments.find((c) => c.startsWith("from "))?.split(" ") ?? [];
  return {
    name,
    bytes: fromHex(hex),
    comments,
    from: endpoint(fromTo[1] ?? ""),
    to: endpoint(fromTo[3] ?? ""),
  };
}

export function vectorNames(): string[] {
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".hex")).map((e) =>
    e.name.slice(0, -4)
  ).sort();
}
