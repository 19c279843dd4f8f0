import { describe, expect, test } from "vitest";
import { renderHostConfig } from "../../src/assist/host_config.ts";

const KEY = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
const PUB = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

describe("renderHostConfig", () => {
  test("wg-quick text with the published endpoint", () => {
    expect(renderHostConfig({
      privateKey: KEY,
      addresses: ["10.99.0.2/32"],
      listenPort: 51820,
      peers: [{
        publicKey: PUB,
        endpoint: { host: "203.0.113.20", port: 51821 },
        allowedIps: ["10.99.0.1/32"],
        persistentKeepalive: 25,
      }],
    })).toBe(`[Interface]
PrivateKey = ${KEY}
Address = 10.99.0.2/32
ListenPort = 51820

[Peer]
PublicKey = ${PUB}
AllowedIPs = 10.99.0.1/32
Endpoint = 203.0.113.20:51821
PersistentKeepalive = 25
`);
  });
  test("IPv6 endpoints are bracketed; line breaks are refused", () => {
    const text = renderHostConfig({
      privateKey: KEY,
      addresses: [],
      peers: [{ publicKey: PUB, endpoint: { host: "2001:db8::1", port: 1 }, allowedIps: ["::/0"] }],
    });
    expect(text).toContain("Endpoint = [2001:db8::1]:1\n");
    expect(() => renderHostConfig({ privateKey: KEY, addresses: ["a\nb"], peers: [] })).toThrow(
      RangeError,
    );
  });
});
