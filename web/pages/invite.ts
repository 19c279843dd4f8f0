import { call, type Ctx, failed, field, type Route } from "../route.ts";
import { INBOUND_TEXT } from "../../src/nat/inbound.ts";
import { csrfField, fmtTime, h, type Html, obj, qrBlock, str } from "../view.ts";

const EXPIRES = [["1h", "1 hour"], ["24h", "1 day"], ["168h", "7 days"]] as const;

function tokenBox(label: string, token: string, hint: string): Html {
  return h`<div class="card result">
<h3>${label}</h3>
<p class="hint">${hint}</p>
<textarea readonly rows="4" class="token" aria-label="${label}">${token}</textarea>
${qrBlock(token)}
</div>`;
}

function invitesTable(csrf: Html, rows: unknown[]): Html {
  if (rows.length === 0) return h`<p class="hint">No invites yet.</p>`;
  return h`<table class="invites"><thead><tr><th>Id</th><th>State</th><th>Expires</th><th></th></tr></thead><tbody>${
    rows.map((r) => {
      const o = obj(r);
      const id = str(o.id);
      const revoke = str(o.state) === "outstanding"
        ? h`<form method="post" action="/invite/revoke" class="inline">${csrf}<input type="hidden" name="id" value="${id}"><button type="submit">Revoke</button></form>`
        : "";
      return h`<tr><td><code>${id}</code></td><td>${str(o.state)}</td><td>${
        fmtTime(o.expiresAt)
      }</td><td>${revoke}</td></tr>`;
    })
  }</tbody></table>`;
}

async function invitePage(x: Ctx): Promise<Response> {
  const v = x.flash?.values ?? {};
  const csrf = csrfField(x.session.csrf);
  const listed = await call(x.deps, "invite.list");
  const invites = listed.ok && Array.isArray(listed.value) ? invitesTable(csrf, listed.value) : "";
  const created = v.token
    ? tokenBox(
      "Invite token",
      v.token,
      `Send this to the other router's owner (or let them scan it): they paste it under ` +
        `\u201cJoin with a token\u201d on their router's Invite page, or run punchctl join TOKEN ` +
        `there. It works once${v.expiresAt ? `, until ${v.expiresAt}` : ""}.${
          v.inboundNote ? ` ${v.inboundNote}.` : ""
        }`,
    )
    : "";
  const reply = v.reply
    ? tokenBox(
      "Reply token",
      v.reply,
      "Send this back to whoever invited you; they paste it under \u201cAccept a reply\u201d to finish.",
    )
    : "";
  const body = h`<section>
<h2>Invite another router</h2>
<form method="post" action="/invite/create">
${csrf}
<label for="inv-name">Name this router goes by in the invite (optional)</label>
<input id="inv-name" name="name" maxlength="64" value="${v.name ?? ""}">
<label for="inv-expires">Valid for</label>
<select id="inv-expires" name="expires">${
    EXPIRES.map(([val, label]) =>
      h`<option value="${val}"${val === "24h" ? " selected" : ""}>${label}</option>`
    )
  }</select>
<button type="submit">Create invite</button>
</form>
${created}
${invites}
</section>
<section>
<h2>Join with a token</h2>
<form method="post" action="/invite/join">
${csrf}
<label for="join-token">Invite token</label>
<textarea id="join-token" name="token" required maxlength="4000" rows="3">${
    v.joinToken ?? ""
  }</textarea>
<label for="join-name">Name for that peer (optional)</label>
<input id="join-name" name="name" maxlength="64" value="${v.joinName ?? ""}">
<button type="submit">Join</button>
</form>
${reply}
</section>
<section>
<h2>Accept a reply</h2>
<form method="post" action="/invite/accept">
${csrf}
<label for="reply">Reply token</label>
<textarea id="reply" name="reply" required maxlength="4000" rows="3">${
    v.replyToken ?? ""
  }</textarea>
<button type="submit">Accept</button>
</form>
</section>`;
  return x.page("Invite", "/invite", body);
}

async function createInvite(x: Ctx): Promise<Response> {
  const name = field(x.form, "name");
  const expires = field(x.form, "expires");
  const params: Record<string, unknown> = {};
  if (name) params.name = name;
  if (expires) params.expires = expires;
  const r = await call(x.deps, "invite.create", params);
  if (!r.ok) return x.redirect("/invite", failed("create the invite", r.message, { name }));
  const res = obj(r.value);
  const token = str(res.token);
  const expiresAt = res.expiresAt === undefined ? "" : fmtTime(res.expiresAt);
  const inbound = str(res.inbound);
  const inboundNote = inbound === "filtered" || inbound === "unknown" ? INBOUND_TEXT[inbound] : "";
  return x.redirect("/invite", {
    kind: "ok",
    message: "Invite created",
    values: { token, expiresAt, inboundNote },
  });
}

async function joinInvite(x: Ctx): Promise<Response> {
  const token = field(x.form, "token");
  const name = field(x.form, "name");
  const values = { joinToken: token, joinName: name };
  if (!token) {
    return x.redirect(
      "/invite",
      failed("join", "the token is empty; paste the invite token you were sent", values),
    );
  }
  const params: Record<string, unknown> = { token };
  if (name) params.name = name;
  const r = await call(x.deps, "invite.join", params);
  if (!r.ok) return x.redirect("/invite", failed("join with this token", r.message, values));
  const res = obj(r.value);
  const peer = obj(res.peer);
  const who = str(peer.name) || str(res.peer) || str(peer.publicKey);
  const reply = str(res.reply);
  return x.redirect("/invite", {
    kind: "ok",
    message: `Joined${who ? ` "${who}"` : ""}${
      reply ? "; send the reply token below back to finish" : ""
    }`,
    values: reply ? { reply } : {},
  });
}

async function revokeInvite(x: Ctx): Promise<Response> {
  const id = field(x.form, "id");
  const r = await call(x.deps, "invite.revoke", { id });
  if (!r.ok) return x.redirect("/invite", failed(`revoke invite "${id}"`, r.message));
  return x.redirect("/invite", {
    kind: "ok",
    message: `Invite ${id} revoked: its token no longer works`,
  });
}

async function acceptReply(x: Ctx): Promise<Response> {
  const reply = field(x.form, "reply");
  if (!reply) {
    return x.redirect(
      "/invite",
      failed("accept", "the reply token is empty; paste the reply you were sent"),
    );
  }
  const r = await call(x.deps, "invite.accept", { reply });
  if (!r.ok) {
    return x.redirect("/invite", failed("accept this reply", r.message, { replyToken: reply }));
  }
  const peer = obj(obj(r.value).peer);
  const who = str(peer.name) || str(obj(r.value).peer);
  return x.redirect("/invite", {
    kind: "ok",
    message: `Reply accepted${who ? `: "${who}" is now a peer` : ""}`,
  });
}

export const inviteRoutes: Route[] = [
  {
    method: "GET",
    path: "/invite",
    summary: "Create, join and accept invites",
    handler: invitePage,
  },
  {
    method: "POST",
    path: "/invite/revoke",
    summary: "Withdraw an outstanding invite",
    handler: revokeInvite,
  },
  {
    method: "POST",
    path: "/invite/create",
    summary: "Create an invite token",
    handler: createInvite,
  },
  {
    method: "POST",
    path: "/invite/join",
    summary: "Join with someone's token",
    handler: joinInvite,
  },
  {
    method: "POST",
    path: "/invite/accept",
    summary: "Finish with a reply token",
    handler: acceptReply,
  },
];
