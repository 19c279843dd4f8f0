import { expect, test } from "vitest";
import { formatAdded, formatHosts } from "../../src/cli/lan_commands.ts";

const nas = {
  name: "nas",
  host: "192.168.1.20",
  port: 51820,
  publicPort: 51822,
  publicEndpoint: "203.0.113.10:51822",
  remotes: [] as string[],
  hint: "No Punch router is paired yet: pair one",
};

test("lan add prints the endpoint, the daemon's hint for this state and the config step", () => {
  expect(formatAdded(nas)).toBe(
    'LAN host "nas" (192.168.1.20:51820) is reachable at 203.0.113.10:51822\n' +
      "No Punch router is paired yet: pair one\n" +
      "A host without WireGuard yet: punchctl lan config nas prints a config for it",
  );
  expect(formatAdded(nas)).not.toContain("only the remote endpoints you name");
});

test("lan list shows the pinholes and the hint; never tells to add --remote by itself", () => {
  expect(formatHosts([nas])).toBe(
    "nas  192.168.1.20:51820  public 203.0.113.10:51822\n    no pinholes yet\n" +
      "    No Punch router is paired yet: pair one",
  );
  const paired = { ...nas, remotes: ["203.0.113.20:51821"], hint: "Pinholes open for …" };
  expect(formatHosts([paired])).toContain("    pinholes for: 203.0.113.20:51821\n");
  expect(formatHosts([])).toBe(
    "no LAN hosts (add one with: punchctl lan add HOST[:PORT] --name NAME)",
  );
});
