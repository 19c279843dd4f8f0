import { loadError } from "../layout.ts";
import { call, type Ctx, failed, type Route } from "../route.ts";
import { csrfField, fmtHostPort, fmtTime, h, type Html, list, num, obj, str } from "../view.ts";

function serversTable(servers: unknown[]): Html {
  if (servers.length === 0) {
    return h`<p class="hint">No STUN servers answered or none are configured.</p>`;
  }
  return h`<table><thead><tr><th>Server</th><th>Round trip</th><th>Mapped address</th><th>Error</th></tr></thead><tbody>${
    servers.map((raw) => {
      const s = obj(raw);
      const rtt = num(s.rttMs);
      return h`<tr><td class="mono">${fmtHostPort(s.server)}</td><td>${
        rtt === undefined ? "–" : `${Math.round(rtt)} ms`
      }</td>
<td class="mono">${fmtHostPort(s.mapped) || "–"}</td><td>${str(s.error) || ""}</td></tr>`;
    })
  }</tbody></table>`;
}

export function reportView(rep: Record<string, unknown>): Html {
  const notes = list(rep.notes).map(str).filter((n) => n);
  const dur = num(rep.durationMs);
  return h`<section>
<h2>Verdict: ${str(rep.verdict) || "unknown"}</h2>
<p>${str(rep.advice)}</p>
<dl class="kv">
<dt>Public IPv4</dt><dd class="mono">${fmtHostPort(rep.publicV4) || "–"}</dd>
<dt>Mapping</dt><dd>${str(rep.mapping) || "–"}</dd>
<dt>Filtering</dt><dd>${str(rep.filtering) || "–"}</dd>
<dt>Checked</dt><dd>${fmtTime(rep.checkedAt)}${
    dur === undefined ? "" : ` (took ${Math.round(dur)} ms)`
  }</dd>
</dl>
</section>
<section>
<h2>STUN servers</h2>
${serversTable(list(rep.servers))}
${notes.length ? h`<h2>Notes</h2><ul>${notes.map((n) => h`<li>${n}</li>`)}</ul>` : ""}
</section>`;
}

async function netcheckPage(x: Ctx): Promise<Response> {
  const r = await call(x.deps, "netcheck", { refresh: false });
  const form = h`<form method="post" action="/netcheck/refresh">${csrfField(x.session.csrf)}
<button type="submit">Check again</button> <span class="hint">Takes a few seconds.</span></form>`;
  const body = r.ok
    ? h`${reportView(obj(r.value))}${form}`
    : h`${loadError("the NAT check", r.message)}${form}`;
  return x.page("Netcheck", "/netcheck", body);
}

async function refresh(x: Ctx): Promise<Response> {
  const r = await call(x.deps, "netcheck", { refresh: true });
  if (!r.ok) return x.redirect("/netcheck", failed("run the NAT check", r.message));
  return x.redirect("/netcheck", { kind: "ok", message: "NAT check finished" });
}

export const netcheckRoutes: Route[] = [
  {
    method: "GET",
    path: "/netcheck",
    summary: "NAT type, verdict and advice",
    handler: netcheckPage,
  },
  {
    method: "POST",
    path: "/netcheck/refresh",
    summary: "Run the NAT check again",
    handler: refresh,
  },
];
