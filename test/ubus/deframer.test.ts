import { describe, expect, test } from "vitest";
import { concat, fromHex } from "../../src/lib/bytes.ts";
import { ParseError } from "../../src/lib/errors.ts";
import { encodeMessage, MsgType, UBUS_MAX_MSGLEN, UbusDeframer } from "../../src/ubus/mod.ts";

const a = encodeMessage({
  type: MsgType.LOOKUP,
  seq: 1,
  peer: 0,
  attrs: { objpath: "network.interface.wan" },
});
const b = encodeMessage({ type: MsgType.STATUS, seq: 1, peer: 0, attrs: { status: 4 } });

describe("UbusDeframer", () => {
  test("yields whole messages whatever the read boundaries", () => {
    const stream = concat([a, b, a]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new UbusDeframer();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got.map((m) => m.type)).toEqual([MsgType.LOOKUP, MsgType.STATUS, MsgType.LOOKUP]);
      expect(d.buffered).toBe(0);
    }
  });

  test("byte by byte", () => {
    const d = new UbusDeframer();
    const out = [];
    for (const x of concat([b, a])) out.push(...d.push(Uint8Array.of(x)));
    expect(out.map((m) => m.seq)).toEqual([1, 1]);
    expect(out[1]!.attrs.objpath).toBe("network.interface.wan");
  });

  test("rejects a frame larger than UBUS_MAX_MSGLEN before buffering it", () => {
    const d = new UbusDeframer();
    const len = (UBUS_MAX_MSGLEN + 4).toString(16).padStart(6, "0");
    expect(() => d.push(fromHex(`0002 0001 00000000 00${len}`))).toThrow(ParseError);
    const ok = new UbusDeframer();
    const max = UBUS_MAX_MSGLEN.toString(16).padStart(6, "0");
    expect(ok.push(fromHex(`0002 0001 00000000 00${max}`))).toEqual([]);
  });

  test("rejects a blob length below its own header", () => {
    expect(() => new UbusDeframer().push(fromHex("0002 0001 00000000 00000002"))).toThrow(
      ParseError,
    );
  });
});
