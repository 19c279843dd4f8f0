import { loadError } from "../layout.ts";
import { call, type Ctx, failed, field, type Route } from "../route.ts";
import { csrfField, h, list, obj, str } from "../view.ts";
import { peersTable } from "./status.ts";

const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

async function peersPage(x: Ctx): Promise<Response> {
  const r = await call(x.deps, "peer.list");
  const v = x.flash?.values ?? {};
  const now = (x.deps.now ?? Date.now)();
  const table = r.ok
    ? peersTable(
      list(Array.isArray(r.value) ? r.value : obj(r.value).peers),
      now,
      (p) =>
        h`<form method="post" action="/peers/remove" class="inline">${csrfField(x.session.csrf)}
<input type="hidden" name="peer" value="${str(p.name) || str(p.publicKey)}">
<button type="submit" class="danger">Remove</button></form>`,
    )
    : loadError("the peers", r.message);
  const body = h`<section>
<h2>Peers</h2>
${table}
</section>
<section>
<h2>Add a peer</h2>
<p class="hint">For a peer you set up by hand. To pair two Punch routers, an <a href="/invite">invite</a> is easier.</p>
<form method="post" action="/peers/add">
${csrfField(x.session.csrf)}
<label for="name">Name</label>
<input id="name" name="name" maxlength="64" value="${v.name ?? ""}" placeholder="grandma">
<label for="publicKey">Public key</label>
<input id="publicKey" name="publicKey" required maxlength="44" class="mono" value="${
    v.publicKey ?? ""
  }" placeholder="base64, 44 characters">
<label for="endpoint">Endpoint (optional)</label>
<input id="endpoint" name="endpoint" maxlength="270" value="${
    v.endpoint ?? ""
  }" placeholder="203.0.113.7:51820">
<label for="allowedIps">Allowed IPs</label>
<input id="allowedIps" name="allowedIps" required maxlength="2000" value="${
    v.allowedIps ?? ""
  }" placeholder="10.77.0.2/32, 192.168.2.0/24">
<button type="submit">Add peer</button>
</form>
</section>`;
  return x.page("Peers", "/peers", body);
}

async function addPeer(x: Ctx): Promise<Response> {
  const values = {
    name: field(x.form, "name"),
    publicKey: field(x.form, "publicKey"),
    endpoint: field(x.form, "endpoint"),
    allowedIps: field(x.form, "allowedIps"),
  };
  const allowedIps = values.allowedIps.split(/[\s,]+/).filter((s) => s !== "");
  if (!WG_KEY.test(values.publicKey)) {
    return x.redirect(
      "/peers",
      failed(
        "add the peer",
        `public key "${values.publicKey}" is not a WireGuard key (44 characters of base64 ending in "="); paste the peer's key again`,
        values,
      ),
    );
  }
  if (allowedIps.length === 0) {
    return x.redirect(
      "/peers",
      failed(
        "add the peer",
        "no allowed IPs given; enter at least one address, such as 10.77.0.2/32",
        values,
      ),
    );
  }
  const params: Record<string, unknown> = { publicKey: values.publicKey, allowedIps };
  if (values.endpoint) params.endpoint = values.endpoint;
  if (values.name) params.name = values.name;
  const r = await call(x.deps, "peer.add", params);
  if (!r.ok) return x.redirect("/peers", failed("add the peer", r.message, values));
  return x.redirect("/peers", {
    kind: "ok",
    message: `Added peer "${values.name || values.publicKey}"`,
  });
}

async function removePeer(x: Ctx): Promise<Response> {
  const peer = field(x.form, "peer");
  if (!peer) {
    return x.redirect(
      "/peers",
      failed("remove the peer", "no peer given; use the Remove button next to it"),
    );
  }
  const r = await call(x.deps, "peer.remove", { peer });
  if (!r.ok) return x.redirect("/peers", failed(`remove peer "${peer}"`, r.message));
  return x.redirect("/peers", { kind: "ok", message: `Removed peer "${peer}"` });
}

export const peerRoutes: Route[] = [
  { method: "GET", path: "/peers", summary: "List peers, add or remove one", handler: peersPage },
  { method: "POST", path: "/peers/add", summary: "Add a peer by key", handler: addPeer },
  {
    method: "POST",
    path: "/peers/remove",
    summary: "Remove a peer by name or key",
    handler: removePeer,
  },
];
