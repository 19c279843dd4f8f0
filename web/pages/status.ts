import { loadError } from "../layout.ts";
import { call, type Ctx, type Route } from "../route.ts";
import {
  fmtAge,
  fmtBytes,
  fmtHostPort,
  fmtTime,
  h,
  type Html,
  list,
  num,
  obj,
  str,
} from "../view.ts";

const STATES = new Set(["connected", "stale", "never"]);

export function stateBadge(state: string): Html {
  const cls = STATES.has(state) ? state : "unknown";
  return h`<span class="badge ${cls}">${state || "unknown"}</span>`;
}

/** Seconds since the last handshake, from `handshakeAgeSec` or `latestHandshake` (0 = never). */
function handshakeAge(p: Record<string, unknown>, nowMs: number): number | undefined {
  const age = num(p.handshakeAgeSec);
  if (age !== undefined) return age;
  const t = num(p.latestHandshake);
  return t ? Math.max(0, nowMs / 1000 - t) : undefined;
}

/** " since 3 min ago" when the status says when the path last changed (unix ms). */
function pathSince(p: Record<string, unknown>, nowMs: number): string {
  const t = num(p.pathSince);
  return t ? `, since ${fmtAge(Math.max(0, (nowMs - t) / 1000))}` : "";
}

export function peersTable(
  peers: unknown[],
  nowMs: number,
  actions?: (p: Record<string, unknown>) => Html,
): Html {
  if (peers.length === 0) {
    return h`<p class="hint">No peers yet. Add one on the <a href="/peers">Peers</a> page or
exchange an <a href="/invite">invite</a>.</p>`;
  }
  const rows = peers.map((raw) => {
    const p = obj(raw);
    const key = str(p.publicKey);
    const desc = str(p.description);
    return h`<tr>
<td>${str(p.name) || "–"}${
      desc && desc !== str(p.name) ? h`<br><span class="hint">${desc}</span>` : ""
    }</td>
<td>${stateBadge(str(p.state))}</td>
<td title="${str(p.pathWhy)}">${str(p.path) || "–"}${pathSince(p, nowMs)}${
      p.pathWhy ? h`<br><span class="hint">${str(p.pathWhy)}</span>` : ""
    }</td>
<td class="mono" title="${key}">${key.slice(0, 10)}…</td>
<td class="mono">${str(p.endpoint) || "–"}</td>
<td class="mono">${list(p.allowedIps).map((a) => h`${str(a)}<br>`)}</td>
<td>${fmtAge(handshakeAge(p, nowMs))}</td>
<td>${fmtBytes(p.rxBytes)} / ${fmtBytes(p.txBytes)}</td>
${actions ? h`<td>${actions(p)}</td>` : ""}
</tr>`;
  });
  return h`<table class="peers">
<thead><tr><th>Name</th><th>State</th><th>Path</th><th>Key</th><th>Endpoint</th><th>Allowed IPs</th><th>Handshake</th><th>Received / sent</th>${
    actions ? h`<th></th>` : ""
  }</tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

function verdictBox(nc: Record<string, unknown>): Html {
  if (Object.keys(nc).length === 0) {
    return h`<p class="hint">No NAT check yet. Run one on the <a href="/netcheck">Netcheck</a> page.</p>`;
  }
  return h`<dl class="kv">
<dt>Verdict</dt><dd><strong>${str(nc.verdict) || "unknown"}</strong></dd>
<dt>Advice</dt><dd>${str(nc.advice) || "–"}</dd>
<dt>Public IPv4</dt><dd class="mono">${fmtHostPort(nc.publicV4) || "–"}</dd>
<dt>Checked</dt><dd>${fmtTime(nc.checkedAt)}</dd>
</dl>`;
}

function lanTable(hosts: unknown[]): Html {
  if (hosts.length === 0) return h`<p class="hint">None. See <a href="/lan">LAN hosts</a>.</p>`;
  return h`<table><thead><tr><th>Name</th><th>Host</th><th>Public endpoint</th></tr></thead><tbody>${
    hosts.map((raw) => {
      const x = obj(raw);
      return h`<tr><td>${str(x.name)}</td><td class="mono">${
        fmtHostPort({ host: x.host, port: x.port })
      }</td><td class="mono">${str(x.publicEndpoint) || "–"}</td></tr>`;
    })
  }</tbody></table>`;
}

/** Pairs of members this router relays for (status part `relay`). */
function relayTable(allocs: unknown[]): Html {
  return h`<table><thead><tr><th>Between</th><th>Ports</th><th>Forwarding</th><th>Traffic</th><th>Idle</th></tr></thead><tbody>${
    allocs.map((raw) => {
      const x = obj(raw);
      return h`<tr><td>${str(x.a)} ↔ ${str(x.b)}</td><td class="mono">${
        list(x.ports).map(str).join(" / ")
      }</td><td>${str(x.forwarding)}</td><td>${str(x.packets)} packets, ${
        fmtBytes(x.bytes)
      }</td><td>${str(x.idleSec)} s</td></tr>`;
    })
  }</tbody></table>`;
}

async function statusPage(x: Ctx): Promise<Response> {
  const r = await call(x.deps, "status");
  if (!r.ok) return x.page("Status", "/", loadError("the status", r.message), 502);
  const s = obj(r.value);
  const now = (x.deps.now ?? Date.now)();
  // What punchd could not do for one peer (refused routes, a name that does not resolve).
  const peerProblems = list(s.peers).flatMap((raw) => {
    const p = obj(raw);
    return list(p.problems).map(str).filter((m) => m).map((m) => `Peer ${str(p.name)}: ${m}`);
  });
  const warnings = [...list(s.warnings).map(str).filter((w) => w), ...peerProblems];
  const body = h`
${warnings.map((w) => h`<p class="flash error" role="alert">${w}</p>`)}
<section>
<h2>This router</h2>
<dl class="kv">
<dt>Name</dt><dd>${str(s.name) || "–"}</dd>
<dt>Interface</dt><dd class="mono">${str(s.interface) || "–"}</dd>
<dt>Public key</dt><dd class="mono">${str(s.publicKey) || "–"}</dd>
<dt>Listen port</dt><dd>${str(s.listenPort) || "–"}</dd>
<dt>Tunnel addresses</dt><dd class="mono">${list(s.addresses).map(str).join(", ") || "–"}</dd>
<dt>WAN address</dt><dd class="mono">${str(obj(s.wan).address) || "–"}</dd>
</dl>
</section>
<section>
<h2>Peers</h2>
${peersTable(list(s.peers), now)}
</section>
<section>
<h2>NAT</h2>
${verdictBox(obj(s.netcheck))}
</section>
${
    s.lanHosts === undefined
      ? ""
      : h`<section><h2>LAN hosts</h2>${lanTable(list(s.lanHosts))}</section>`
  }
${
    s.relay === undefined
      ? ""
      : h`<section><h2>Relaying for</h2>${relayTable(list(obj(s.relay).allocations))}</section>`
  }
<p><a href="/">Reload</a></p>`;
  return x.page("Status", "/", body);
}

export const statusRoutes: Route[] = [
  { method: "GET", path: "/", summary: "Router, peers and NAT at a glance", handler: statusPage },
];
