import { describe, expect, test } from "vitest";
import {
  classifyFiltering,
  classifyMapping,
  portPreserved,
  type ProbeOutcome,
} from "../../src/nat/nat_classify.ts";

const m = (port: number, host = "203.0.113.10") => ({ host, port });
const answered = (mapped = m(1)): ProbeOutcome => ({
  kind: "answered",
  mapped,
  from: m(3478, "203.0.113.3"),
});
const silent: ProbeOutcome = { kind: "silent" };

describe("classifyMapping (RFC 5780 §4.3)", () => {
  test("same mapping everywhere: endpoint-independent", () => {
    expect(classifyMapping({ primary: m(5), altIp: m(5), altIpPort: m(5) }).mapping).toBe(
      "endpoint-independent",
    );
    expect(classifyMapping({ primary: m(5), altIp: m(5) }).mapping).toBe("endpoint-independent");
  });
  test("new mapping per IP, same across ports: address-dependent", () => {
    expect(classifyMapping({ primary: m(5), altIp: m(6), altIpPort: m(6) }).mapping).toBe(
      "address-dependent",
    );
  });
  test("new mapping per IP and port: address-and-port-dependent", () => {
    expect(classifyMapping({ primary: m(5), altIp: m(6), altIpPort: m(7) }).mapping).toBe(
      "address-and-port-dependent",
    );
    expect(classifyMapping({ primary: m(5), altIp: m(5), altIpPort: m(7) }).mapping).toBe(
      "address-and-port-dependent",
    );
  });
  test("without RFC 5780: compare distinct servers", () => {
    const s1 = m(3478, "198.51.100.1"), s2 = m(3478, "198.51.100.2"), s1b = m(3479, "198.51.100.1");
    expect(
      classifyMapping({ primary: m(5), primaryServer: s1, others: [{ server: s2, mapped: m(5) }] })
        .mapping,
    )
      .toBe("endpoint-independent");
    const dep = classifyMapping({
      primary: m(5),
      primaryServer: s1,
      others: [{ server: s2, mapped: m(9) }],
    });
    expect(dep.mapping).toBe("address-dependent");
    expect(dep.notes.join()).toMatch(/port was not tested/);
    expect(
      classifyMapping({ primary: m(5), primaryServer: s1, others: [{ server: s1b, mapped: m(9) }] })
        .mapping,
    )
      .toBe("address-and-port-dependent");
  });
  test("unknown without data", () => {
    expect(classifyMapping({}).mapping).toBe("unknown");
    expect(classifyMapping({ primary: m(5) }).mapping).toBe("unknown");
  });
});

describe("classifyFiltering (RFC 5780 §4.4)", () => {
  test("the three behaviours", () => {
    expect(
      classifyFiltering({ base: answered(), changeBoth: answered(), changePort: answered() })
        .filtering,
    )
      .toBe("endpoint-independent");
    expect(
      classifyFiltering({ base: answered(), changeBoth: silent, changePort: answered() }).filtering,
    )
      .toBe("address-dependent");
    expect(
      classifyFiltering({ base: answered(), changeBoth: silent, changePort: silent }).filtering,
    )
      .toBe("address-and-port-dependent");
  });
  test("unknown when the base failed or the server refused CHANGE-REQUEST", () => {
    expect(classifyFiltering({ base: silent }).filtering).toBe("unknown");
    const refused = classifyFiltering({
      base: answered(),
      changeBoth: { kind: "refused", code: 420 },
      changePort: silent,
    });
    expect(refused.filtering).toBe("unknown");
    expect(refused.notes.join()).toMatch(/CHANGE-REQUEST/);
  });
});

test("portPreserved", () => {
  expect(portPreserved(51820, m(51820))).toBe(true);
  expect(portPreserved(51820, m(1024))).toBe(false);
  expect(portPreserved(0, m(1))).toBeUndefined();
  expect(portPreserved(5, undefined)).toBeUndefined();
});
