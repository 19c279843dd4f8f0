/**
 * The commented `/etc/config/punch` punchd writes on `--platform linux` when the file does not
 * exist yet (on OpenWrt the package brings its own). Every value in it is the default punchd
 * uses anyway, so writing it changes nothing but what a user can read; docs/config.md has the
 * full reference.
 */

import { PUNCH_DEFAULTS } from "./punch_schema.ts";

/** Default UDP port for join requests and card exchange (peering reads `option control_port`). */
const CONTROL_PORT = 51821;

export const PUNCH_DEFAULT_FILE =
  `# Punch settings, written by punchd on its first start with the defaults it uses.
# Every option is described in docs/config.md. Restart punchd after a change.

config punch 'main'
	# WireGuard interface (section in /etc/config/network, and Linux device) Punch manages;
	# created on first start when missing
	option interface '${PUNCH_DEFAULTS.interface}'
	# UDP port of that interface when punchd creates it
	option listen_port '${PUNCH_DEFAULTS.listenPort}'
	# Tunnel addresses of new interfaces come from this prefix
	option tunnel_prefix '${PUNCH_DEFAULTS.tunnelPrefix}'
	# STUN servers for netcheck (HOST or HOST:PORT, port 3478 when absent; 'none' = no STUN)
${PUNCH_DEFAULTS.stunServers.map((s) => `\tlist stun_server '${s}'`).join("\n")}
	# Port of punchd's own STUN responder on the WAN address (0 = off)
	option stun_port '${PUNCH_DEFAULTS.stunPort}'
	# Port of the web UI on the LAN address (0 = off)
	option web_port '${PUNCH_DEFAULTS.webPort}'
	# Name peers see for this router (unset: the hostname)
	#option name 'home'
	# Peers resolve from the LAN as NAME.<dns_domain> through dnsmasq ('none' = off)
	option dns_domain '${PUNCH_DEFAULTS.dnsDomain}'
	# UDP port for invites and peer cards, admitted on the WAN
	option control_port '${CONTROL_PORT}'
	# A DNS name that resolves to this router, announced to peers as an endpoint
	#option dns_name 'home.example.org'
	# Relay WireGuard for mesh members that cannot reach each other directly ('0' = refuse)
	option relay '1'
	# What peers and their LAN hosts reach on this router through the tunnel: 'restricted'
	# (ping and the control port only) or 'accept' (every local service, the web UI too)
	option tunnel_input '${PUNCH_DEFAULTS.tunnelInput}'

# A LAN host that runs WireGuard and gets hole-punch help (punchctl lan add writes these):
#config lanhost 'nas'
#	option address '192.168.1.20'
#	option port '51820'
#	option public_port '51822'
#	list remote '198.51.100.4:51820'
`;
