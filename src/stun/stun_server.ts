/** STUN Binding responder (RFC 8489 §6.3, RFC 5780 §6.1 CHANGE-REQUEST, RFC 3489 classic clients), sans-I/O. */

import type { Endpoint } from "../lib/net.ts";
import { encodeStun, parseStun, type StunMessage } from "./stun_codec.ts";
import * as C from "./stun_constants.ts";

/** Where the server listens: a primary address and optionally a second one (other IP and port). */
export interface ResponderConfig {
  primary: Endpoint;
  /** RFC 5780 §6: a second IP and/or port; enables OTHER-ADDRESS and CHANGE-REQUEST. */
  alternate?: Endpoint;
  /** SOFTWARE attribute; omitted when empty. */
  software?: string;
  /**
   * Answer only requests at least as large as the answer (no amplification towards a spoofed
   * source); Punch's own client pads its requests (`REQUEST_MIN_BYTES`). Off by default.
   */
  noAmplification?: boolean;
}

/** One reply: send `bytes` to `to` from the local socket bound at `from`. */
export interface ResponderReply {
  from: Endpoint;
  to: Endpoint;
  bytes: Uint8Array;
}

/** Attributes this responder understands in a request (RFC 8489 §6.3.1 asks for 420 otherwise). */
const UNDERSTOOD = new Set([
  C.ATTR_CHANGE_REQUEST,
  C.ATTR_RESPONSE_PORT,
  C.ATTR_SOFTWARE,
  C.ATTR_FINGERPRINT,
  C.ATTR_PADDING,
  C.ATTR_MAPPED_ADDRESS,
  C.ATTR_XOR_MAPPED_ADDRESS,
]);

/**
 * Every local socket a responder needs: 1 (single address), or the IP x port product (2 or 4).
 * @example listenAddresses({ primary: a1p1, alternate: a2p2 }).length // 4
 */
export function listenAddresses(cfg: ResponderConfig): Endpoint[] {
  const hosts = unique([cfg.primary.host, cfg.alternate?.host ?? cfg.primary.host]);
  const ports = unique([cfg.primary.port, cfg.alternate?.port ?? cfg.primary.port]);
  return hosts.flatMap((host) => ports.map((port) => ({ host, port })));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The IP or port that is not `x`, when the server has two. */
function other<T>(pair: [T, T | undefined], x: T): T | undefined {
  const [a, b] = pair;
  if (b === undefined || a === b) return undefined;
  return x === a ? b : a;
}

/** Answers Binding requests arriving on any of `listenAddresses(cfg)`. */
export class StunResponder {
  constructor(readonly cfg: ResponderConfig) {}

  /**
   * The reply to a datagram `bytes` from `peer` that arrived on local socket `local`, or null
   * (not STUN, not a Binding request, malformed, truncated). Never throws.
   */
  handle(bytes: Uint8Array, peer: Endpoint, local: Endpoint): ResponderReply | null {
    const reply = this.answer(bytes, peer, local);
    if (reply && this.cfg.noAmplification && reply.bytes.length > bytes.length) return null;
    return reply;
  }

  private answer(bytes: Uint8Array, peer: Endpoint, local: Endpoint): ResponderReply | null {
    let req: StunMessage | null;
    try {
      req = parseStun(bytes, { classic: true });
    } catch {
      return null;
    }
    if (!req || req.class !== "request") return null;
    if (req.method !== C.METHOD_BINDING) {
      return this.error(req, peer, local, C.ERROR_BAD_REQUEST, "Only Binding is served");
    }
    const unknown = req.attributes
      .map((a) => a.type)
      .filter((t) => t < C.COMPREHENSION_OPTIONAL_MIN && !UNDERSTOOD.has(t));
    if (unknown.length > 0) {
      return this.error(req, peer, local, C.ERROR_UNKNOWN_ATTRIBUTE, "Unknown attribute", unknown);
    }
    const ips: [string, string | undefined] = [this.cfg.primary.host, this.cfg.alternate?.host];
    const ports: [number, number | undefined] = [this.cfg.primary.port, this.cfg.alternate?.port];
    const otherIp = other(ips, local.host), otherPort = other(ports, local.port);
    const change = req.changeRequest ?? { changeIp: false, changePort: false };
    if (
      (change.changeIp && otherIp === undefined) || (change.changePort && otherPort === undefined)
    ) {
      return this.error(
        req,
        peer,
        local,
        C.ERROR_UNKNOWN_ATTRIBUTE,
        "Unknown attribute: no alternate address to answer from",
        [
          C.ATTR_CHANGE_REQUEST,
        ],
      );
    }
    const origin: Endpoint = {
      host: change.changeIp ? otherIp! : local.host,
      port: change.changePort ? otherPort! : local.port,
    };
    const otherAddress: Endpoint | undefined = otherIp === undefined && otherPort === undefined
      ? undefined
      : { host: otherIp ?? local.host, port: otherPort ?? local.port };
    const soft = this.cfg.software ? { software: this.cfg.software } : {};
    const bytesOut = req.classic
      ? encodeStun({
        class: "success",
        transactionId: req.transactionId,
        mappedAddress: peer,
        sourceAddress: origin,
        // No SOFTWARE: RFC 3489 clients want text padded to 4 inside the length and reject it otherwise.
        ...(otherAddress ? { changedAddress: otherAddress } : {}),
      })
      : encodeStun({
        class: "success",
        transactionId: req.transactionId,
        xorMappedAddress: peer,
        responseOrigin: origin,
        ...(otherAddress ? { otherAddress } : {}),
        ...soft,
        fingerprint: true,
      });
    // RFC 5780 §6.1: RESPONSE-PORT redirects the reply to another port of the same IP (never another IP).
    const to = req.responsePort === undefined ? peer : { host: peer.host, port: req.responsePort };
    return { from: origin, to, bytes: bytesOut };
  }

  private error(
    req: StunMessage,
    peer: Endpoint,
    local: Endpoint,
    code: number,
    reason: string,
    unknownAttributes?: number[],
  ): ResponderReply {
    const bytes = encodeStun({
      method: req.method,
      class: "error",
      transactionId: req.transactionId,
      error: { code, reason },
      ...(unknownAttributes ? { unknownAttributes } : {}),
      ...(this.cfg.software ? { software: this.cfg.software } : {}),
      fingerprint: !req.classic,
    });
    return { from: local, to: peer, bytes };
  }
}
