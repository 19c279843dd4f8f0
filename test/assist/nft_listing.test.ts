import { describe, expect, test } from "vitest";
import { parseNftListing } from "../../src/assist/nft_listing.ts";
import { ParseError } from "../../src/lib/errors.ts";

// `nft -a list chain inet fw4 punch_dstnat` and `… dstnat` from the lab (nftables 1.0.6).
const LISTING = `table inet fw4 {
	chain punch_dstnat { # handle 6
		ip daddr 192.0.2.1 ip saddr 198.51.100.2 udp sport 51820 udp dport 51821 dnat ip to 192.168.1.10:51820 comment "punch dstnat 192.168.1.10:51820 198.51.100.2:51820 192.0.2.1:51821" # handle 10
	}
}
table inet fw4 {
	chain dstnat { # handle 1
		type nat hook prerouting priority dstnat; policy accept;
		jump punch_dstnat comment "punch jump" # handle 9
	}
}
`;

describe("parseNftListing", () => {
  test("rules with handle, comment and re-usable text", () => {
    expect(parseNftListing(LISTING)).toEqual([
      {
        chain: "punch_dstnat",
        handle: 10,
        comment: "punch dstnat 192.168.1.10:51820 198.51.100.2:51820 192.0.2.1:51821",
        text:
          'ip daddr 192.0.2.1 ip saddr 198.51.100.2 udp sport 51820 udp dport 51821 dnat ip to 192.168.1.10:51820 comment "punch dstnat 192.168.1.10:51820 198.51.100.2:51820 192.0.2.1:51821"',
      },
      {
        chain: "dstnat",
        handle: 9,
        comment: "punch jump",
        text: 'jump punch_dstnat comment "punch jump"',
      },
    ]);
  });
  test("skips sets and rules without comment keep an empty one", () => {
    const text = `table inet fw4 {
	chain forward_wan { # handle 3
		meta nfproto ipv6 icmpv6 type { destination-unreachable, echo-request } accept # handle 4
		jump reject_to_wan # handle 5
	}
}`;
    expect(parseNftListing(text).map((r) => [r.handle, r.comment])).toEqual([[4, ""], [5, ""]]);
  });
  test("a listing without handles is malformed", () => {
    expect(() => parseNftListing("table inet t {\n\tchain c {\n\t\taccept\n\t}\n}")).toThrow(
      ParseError,
    );
  });
});
