import { loadError } from "../layout.ts";
import { call, type Ctx, failed, field, type Route } from "../route.ts";
import { csrfField, fmtHostPort, h, type Html, list, obj, qrBlock, str } from "../view.ts";

function hostsTable(x: Ctx, hosts: unknown[]): Html {
  if (hosts.length === 0) return h`<p class="hint">No LAN hosts yet.</p>`;
  return h`<table class="lan"><thead><tr><th>Name</th><th>LAN host</th><th>Public port</th><th>Public endpoint</th><th>Pinholes for</th><th></th></tr></thead><tbody>${
    hosts.map((raw) => {
      const o = obj(raw);
      const name = str(o.name);
      const remotes = list(o.remotes).map(str).filter((r) => r);
      const hint = str(o.hint);
      return h`<tr><td>${name}</td><td class="mono">${
        fmtHostPort({ host: o.host, port: o.port })
      }</td>
<td>${str(o.publicPort) || "–"}</td><td class="mono">${
        str(o.publicEndpoint) || "–"
      }</td><td><span class="mono">${remotes.join(", ") || "none yet"}</span>${
        hint ? h`<br><span class="hint">${hint}</span>` : ""
      }</td>
<td><a href="/lan/config?name=${encodeURIComponent(name)}">Config</a>
<form method="post" action="/lan/remove" class="inline">${
        csrfField(x.session.csrf)
      }<input type="hidden" name="name" value="${name}">
<button type="submit" class="danger">Remove</button></form></td></tr>`;
    })
  }</tbody></table>`;
}

async function lanPage(x: Ctx): Promise<Response> {
  const r = await call(x.deps, "lan.list");
  const v = x.flash?.values ?? {};
  const table = r.ok
    ? hostsTable(x, list(Array.isArray(r.value) ? r.value : obj(r.value).hosts))
    : loadError("the LAN hosts", r.message);
  const body = h`<section>
<p class="hint">A LAN host is a device behind this router (a game console, a NAS with its own WireGuard)
that gets a public port forwarded and hole-punch help. Paired Punch routers learn its public endpoint
from this router's card and open their side by themselves; a remote endpoint is only needed for a
remote that does not run Punch.</p>
${table}
</section>
<section>
<h2>Add a LAN host</h2>
<form method="post" action="/lan/add">
${csrfField(x.session.csrf)}
<label for="lan-name">Name</label>
<input id="lan-name" name="name" required maxlength="64" value="${v.name ?? ""}" placeholder="nas">
<label for="lan-host">LAN address</label>
<input id="lan-host" name="host" required maxlength="64" value="${
    v.host ?? ""
  }" placeholder="192.168.1.20">
<label for="lan-port">Port on that host (optional)</label>
<input id="lan-port" name="port" inputmode="numeric" maxlength="5" value="${
    v.port ?? ""
  }" placeholder="51820">
<label for="lan-remote">Remote endpoint IP:PORT, only for a remote that does not run Punch (optional)</label>
<input id="lan-remote" name="remote" maxlength="270" value="${
    v.remote ?? ""
  }" placeholder="198.51.100.4:51820">
<button type="submit">Add LAN host</button>
</form>
</section>`;
  return x.page("LAN hosts", "/lan", body);
}

async function addHost(x: Ctx): Promise<Response> {
  const values = {
    name: field(x.form, "name"),
    host: field(x.form, "host"),
    port: field(x.form, "port"),
    remote: field(x.form, "remote"),
  };
  if (!values.name || !values.host) {
    return x.redirect(
      "/lan",
      failed("add the LAN host", "name and LAN address are both needed; fill them in", values),
    );
  }
  const params: Record<string, unknown> = { name: values.name, host: values.host };
  if (values.port) {
    const port = Number(values.port);
    if (!/^\d{1,5}$/.test(values.port) || port < 1 || port > 65535) {
      return x.redirect(
        "/lan",
        failed(
          "add the LAN host",
          `port "${values.port}" is not a number from 1 to 65535; fix it or leave it empty`,
          values,
        ),
      );
    }
    params.port = port;
  }
  if (values.remote) params.remote = values.remote;
  const r = await call(x.deps, "lan.add", params);
  if (!r.ok) return x.redirect("/lan", failed("add the LAN host", r.message, values));
  const res = obj(r.value);
  const ep = str(res.publicEndpoint);
  const hint = str(res.hint);
  return x.redirect("/lan", {
    kind: "ok",
    message: `Added LAN host "${values.name}"${ep ? `, reachable at ${ep}` : ""}${
      hint ? `. ${hint}` : ""
    }`,
  });
}

async function removeHost(x: Ctx): Promise<Response> {
  const name = field(x.form, "name");
  if (!name) {
    return x.redirect(
      "/lan",
      failed("remove the LAN host", "no name given; use the Remove button next to it"),
    );
  }
  const r = await call(x.deps, "lan.remove", { name });
  if (!r.ok) return x.redirect("/lan", failed(`remove LAN host "${name}"`, r.message));
  return x.redirect("/lan", { kind: "ok", message: `Removed LAN host "${name}"` });
}

async function configPage(x: Ctx): Promise<Response> {
  const name = (x.query.name ?? "").trim();
  if (!name) {
    return x.redirect(
      "/lan",
      failed("show the config", "no LAN host named; pick one from the list"),
    );
  }
  const r = await call(x.deps, "lan.config", { name });
  if (!r.ok) {
    return x.page(
      `Config for ${name}`,
      "/lan",
      loadError(`the config for "${name}"`, r.message),
      502,
    );
  }
  const text = str(obj(r.value).text);
  const body = h`<section>
<p class="hint">Import this into WireGuard on "${name}" (scan the code with the WireGuard app, or save the
text as a .conf file). It contains a private key: keep it to yourself.</p>
<textarea readonly rows="14" class="config" aria-label="WireGuard config">${text}</textarea>
${qrBlock(text)}
<p><a href="/lan">Back to LAN hosts</a></p>
</section>`;
  return x.page(`Config for ${name}`, "/lan", body);
}

export const lanRoutes: Route[] = [
  { method: "GET", path: "/lan", summary: "LAN hosts with hole-punch help", handler: lanPage },
  { method: "POST", path: "/lan/add", summary: "Add a LAN host", handler: addHost },
  { method: "POST", path: "/lan/remove", summary: "Remove a LAN host", handler: removeHost },
  {
    method: "GET",
    path: "/lan/config",
    summary: "WireGuard config (text and QR) for a LAN host",
    handler: configPage,
  },
];
