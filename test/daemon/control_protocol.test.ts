import { describe, expect, test } from "vitest";
import {
  LineSplitter,
  MAX_LINE_BYTES,
  parseRequest,
  sameToken,
} from "../../src/daemon/control_protocol.ts";

describe("control protocol", () => {
  test("parses a request", () => {
    expect(parseRequest('{"id":3,"method":"peer.add","params":{"a":1}}')).toEqual({
      id: 3,
      method: "peer.add",
      params: { a: 1 },
    });
  });
  test.each([
    ["nope", /not JSON/],
    ["[1]", /not an object/],
    ['{"id":"1","method":"status"}', /"id" must be an integer/],
    ['{"id":1,"method":"Status!"}', /"method"/],
    ['{"id":1,"method":"status","params":[1]}', /"params" must be an object/],
  ])("rejects %s", (line, msg) => {
    expect(() => parseRequest(line)).toThrow(msg);
  });
  test("splits lines across chunks and refuses endless lines", () => {
    const s = new LineSplitter();
    const enc = new TextEncoder();
    expect(s.push(enc.encode('{"a"'))).toEqual([]);
    expect(s.push(enc.encode(':1}\n{"b":2}\n\n'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(() => s.push(new Uint8Array(MAX_LINE_BYTES + 1).fill(65))).toThrow(RangeError);
  });
  test("refuses a long line that arrives whole with its newline (found by fuzzing)", () => {
    const s = new LineSplitter();
    const line = new Uint8Array(MAX_LINE_BYTES + 2).fill(65);
    line[line.length - 1] = 10;
    expect(() => s.push(line)).toThrow(RangeError);
  });
  test("token comparison", () => {
    expect(sameToken("abc", "abc")).toBe(true);
    expect(sameToken("abc", "abd")).toBe(false);
    expect(sameToken("abc", "ab")).toBe(false);
  });
});
