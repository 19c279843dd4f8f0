import { h, type Html } from "./view.ts";
import type { Flash } from "./session.ts";

/** Navigation entries, in order. */
export const NAV = [
  { path: "/", label: "Status" },
  { path: "/peers", label: "Peers" },
  { path: "/invite", label: "Invite" },
  { path: "/netcheck", label: "Netcheck" },
  { path: "/lan", label: "LAN hosts" },
] as const;

export interface PageFrame {
  title: string;
  path: string;
  version: string;
  /** Signed-in user and CSRF token; absent on the login page. */
  user?: { name: string; csrf: string };
  flash?: Flash | null;
}

export function flashBox(f: Flash | null | undefined): Html {
  if (!f) return h``;
  const role = f.kind === "error" ? "alert" : "status";
  return h`<p class="flash ${f.kind}" role="${role}">${f.message}</p>`;
}

/** A failure to load a page's data, with what to try next. */
export function loadError(what: string, message: string): Html {
  return h`<p class="flash error" role="alert">Cannot load ${what}: ${message}. Check that punchd is
running (<code>service punch status</code> on the router), then reload this page.</p>`;
}

export function layout(f: PageFrame, body: Html): Html {
  const nav = f.user
    ? h`<nav>${
      NAV.map((n) =>
        h`<a href="${n.path}"${n.path === f.path ? h` aria-current="page"` : ""}>${n.label}</a>`
      )
    }<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${f.user.csrf}"><button type="submit" class="link">Sign out ${f.user.name}</button></form></nav>`
    : "";
  return h`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f.title} · Punch</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header><span class="brand">Punch</span>${nav}</header>
<main>
<h1>${f.title}</h1>
${flashBox(f.flash)}
${body}
</main>
<footer>Punch ${f.version}</footer>
</body>
</html>`;
}
