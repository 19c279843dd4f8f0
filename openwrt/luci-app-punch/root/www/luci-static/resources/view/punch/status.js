'use strict';
'require view';
'require rpc';
'require poll';
'require ui';

// Services -> Punch: this router's peers (state, path, handshake, traffic) and NAT verdict from
// the `punch` ubus object, and "Open Punch", which opens Punch's own web UI already signed in
// (a single-use ticket from `punch web_ticket`, redeemed at /sso). Plain ES5, as LuCI views are.

var callStatus = rpc.declare({
	object: 'punch',
	method: 'status',
	expect: { '': {} }
});

var callWebTicket = rpc.declare({
	object: 'punch',
	method: 'web_ticket',
	expect: { '': {} }
});

var STATE_LABELS = {
	connected: _('Connected'),
	stale: _('Stale'),
	never: _('No handshake yet'),
	disabled: _('Disabled')
};

var PATH_LABELS = {
	'same-lan': _('Same LAN'),
	ipv6: _('IPv6'),
	direct: _('Direct'),
	relayed: _('Relayed'),
	none: _('None')
};

/** "1.5 MiB" for a byte count; "-" for anything that is not a number. */
function formatBytes(n) {
	if (typeof n !== 'number' || !isFinite(n) || n < 0)
		return '-';
	var units = [ 'B', 'KiB', 'MiB', 'GiB', 'TiB' ], i = 0;
	while (n >= 1024 && i < units.length - 1) {
		n /= 1024;
		i++;
	}
	return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
}

/** "42 s ago", "3 min ago", "2 h ago", "5 d ago"; "never" without a handshake. */
function formatAge(seconds) {
	if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0)
		return _('never');
	if (seconds < 120)
		return _('%d s ago').format(Math.floor(seconds));
	if (seconds < 7200)
		return _('%d min ago').format(Math.floor(seconds / 60));
	if (seconds < 172800)
		return _('%d h ago').format(Math.floor(seconds / 3600));
	return _('%d d ago').format(Math.floor(seconds / 86400));
}

/** One table row's cells for a peer of `punch status`. */
function peerCells(p) {
	var path = PATH_LABELS[p.path] || String(p.path || '-');
	return [
		String(p.name || '-'),
		STATE_LABELS[p.state] || String(p.state || '-'),
		p.pathWhy ? path + ' (' + p.pathWhy + ')' : path,
		p.latestHandshake > 0 ? formatAge(p.handshakeAgeSec) : _('never'),
		formatBytes(p.rxBytes) + ' / ' + formatBytes(p.txBytes)
	];
}

/** The Hono web UI's URL that redeems `ticket`, on the host LuCI was opened with. */
function ssoUrl(loc, reply) {
	return 'http://' + loc.hostname + ':' + reply.port + '/sso?ticket=' +
		encodeURIComponent(reply.ticket);
}

/** What to tell the user when `punch web_ticket` failed. */
function ticketError(err) {
	var msg = String((err && err.message) || err);
	if (/code 6\b|Permission denied/i.test(msg))
		return _('Opening Punch needs write access to Punch; sign in to LuCI as a user who has it');
	if (/code 4\b|not found/i.test(msg))
		return _('Punch is not running; start it with "service punch start", then try again');
	return _('Cannot open Punch: %s').format(msg);
}

return view.extend({
	formatBytes: formatBytes,
	formatAge: formatAge,
	peerCells: peerCells,
	ssoUrl: ssoUrl,
	ticketError: ticketError,

	load: function() {
		return callStatus().catch(function(err) {
			return { error: String((err && err.message) || err) };
		});
	},

	handleOpenPunch: function(ev) {
		var self = this;
		return callWebTicket().then(function(reply) {
			if (!reply || !reply.ticket || !reply.port)
				throw new Error(_('Punch gave no ticket; is its web UI enabled (option web_port)?'));
			var url = self.ssoUrl(window.location, reply);
			var w = window.open(url, '_blank');
			if (w)
				w.opener = null;
			else
				window.location.href = url;
		}).catch(function(err) {
			ui.addNotification(null, E('p', {}, self.ticketError(err)), 'error');
		});
	},

	renderPeers: function(peers) {
		var table = E('table', { 'class': 'table', 'id': 'punch-peers' }, [
			E('tr', { 'class': 'tr table-titles' }, [
				E('th', { 'class': 'th' }, _('Peer')),
				E('th', { 'class': 'th' }, _('State')),
				E('th', { 'class': 'th' }, _('Path')),
				E('th', { 'class': 'th' }, _('Handshake')),
				E('th', { 'class': 'th' }, _('Received / sent'))
			])
		]);
		if (!peers.length) {
			table.appendChild(E('tr', { 'class': 'tr placeholder' }, [
				E('td', { 'class': 'td' }, _('No peers yet: pair a router in the Punch web UI'))
			]));
		}
		peers.forEach(function(p) {
			table.appendChild(E('tr', { 'class': 'tr' }, peerCells(p).map(function(text) {
				return E('td', { 'class': 'td' }, text);
			})));
		});
		return table;
	},

	renderNat: function(nc) {
		if (!nc || !nc.verdict)
			return E('p', { 'id': 'punch-nat' }, _('No NAT check yet'));
		return E('div', { 'id': 'punch-nat' }, [
			E('p', {}, [ E('strong', {}, _('Verdict') + ': '), String(nc.verdict) ]),
			nc.advice ? E('p', {}, String(nc.advice)) : ''
		]);
	},

	renderBody: function(status) {
		if (status.error) {
			return E('div', { 'id': 'punch-body' }, [
				E('p', { 'class': 'alert-message warning' },
					_('Cannot read the Punch status: %s').format(status.error))
			]);
		}
		var warnings = Array.isArray(status.warnings) ? status.warnings : [];
		return E('div', { 'id': 'punch-body' }, [
			E('div', { 'class': 'cbi-section' }, [
				E('p', {}, [ E('strong', {}, _('Router') + ': '), String(status.name || '-'),
					' (' + String(status.interface || '-') + ')' ])
			].concat(warnings.map(function(w) {
				return E('p', { 'class': 'alert-message warning' }, String(w));
			}))),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('Peers')),
				this.renderPeers(Array.isArray(status.peers) ? status.peers : [])
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('NAT')),
				this.renderNat(status.netcheck)
			])
		]);
	},

	render: function(status) {
		var self = this;
		var body = E('div', {}, [ this.renderBody(status) ]);
		poll.add(function() {
			return callStatus().catch(function(err) {
				return { error: String((err && err.message) || err) };
			}).then(function(s) {
				body.replaceChild(self.renderBody(s), body.firstChild);
			});
		}, 5);
		return E('div', {}, [
			E('h2', {}, _('Punch')),
			E('div', { 'class': 'cbi-map-descr' },
				_('Direct WireGuard tunnels between home routers. Pair routers and change settings in Punch\'s own web UI.')),
			E('p', {}, [
				E('button', {
					'class': 'cbi-button cbi-button-action',
					'id': 'punch-open',
					'click': ui.createHandlerFn(this, 'handleOpenPunch')
				}, _('Open Punch'))
			]),
			body
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
