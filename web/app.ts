import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { toBase64Url } from "../src/lib/base64.ts";
import { APP_CSS } from "./assets/app_css.ts";
import type { WebDeps } from "./deps.ts";
import { layout } from "./layout.ts";
import { LoginLimiter, type LoginLimiterOptions } from "./login_limiter.ts";
import { inviteRoutes } from "./pages/invite.ts";
import { lanRoutes } from "./pages/lan.ts";
import { loginPage } from "./pages/login.ts";
import { netcheckRoutes } from "./pages/netcheck.ts";
import { peerRoutes } from "./pages/peers.ts";
import { statusRoutes } from "./pages/status.ts";
import { call, type Ctx, type Route } from "./route.ts";
import { allowedHost, safeNext, sameOrigin, sameSecret, SECURITY_HEADERS } from "./security.ts";
import { type Session, SessionStore } from "./session.ts";
import type { TicketStore } from "./sso_tickets.ts";
import { h, type Html } from "./view.ts";

export type { WebDeps } from "./deps.ts";

/** Every page and action of the UI, one table (login, logout and assets are wired apart). */
export const ROUTES: readonly Route[] = [
  ...statusRoutes,
  ...peerRoutes,
  ...inviteRoutes,
  ...netcheckRoutes,
  ...lanRoutes,
];

/** Tuning for tests and the daemon; the defaults suit a router. */
export interface WebOptions {
  sessionIdleMs?: number;
  sessionMaxAgeMs?: number;
  maxSessions?: number;
  limiter?: LoginLimiterOptions;
  /** Told about unexpected errors (the page only says "something went wrong"). */
  onError?: (e: unknown) => void;
  /** Single sign-on tickets (`punch web_ticket` issues, GET /sso redeems); none: no /sso. */
  tickets?: TicketStore;
}

const SESSION_COOKIE = "punch_session";
const LOGIN_COOKIE = "punch_login";
const MAX_BODY = 64 * 1024;
const MAX_FIELD = 8192;
const MAX_USER = 64;
const MAX_PASSWORD = 512;

type Env = { Variables: { session: Session; form: Record<string, string> } };

function clientOf(c: Context): string {
  // Deno.serve passes its ServeHandlerInfo as the second fetch argument, which Hono calls env.
  const info = c.env as { remoteAddr?: { hostname?: unknown } } | undefined;
  const host = info?.remoteAddr?.hostname;
  return typeof host === "string" ? host : "local";
}

async function formOf(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    // a body that does not parse (multipart without a boundary, ...) carries no fields; the
    // CSRF check then refuses the post as it would any other form without its token
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string") out[k] = v.slice(0, MAX_FIELD);
  }
  return out;
}

/** ":PORT" of a request URL, or "" for the scheme's default. */
function portOf(url: string): string {
  try {
    const p = new URL(url).port;
    return p ? `:${p}` : "";
  } catch {
    return "";
  }
}

function minutes(ms: number): string {
  const m = Math.ceil(ms / 60_000);
  return m <= 1 ? "a minute" : `${m} minutes`;
}

/**
 * The web UI as a Hono app; serve it on the LAN address only.
 * @example Deno.serve({ hostname: "192.168.1.1", port: 8080 }, createApp(deps).fetch)
 */
export function createApp(deps: WebDeps, opts: WebOptions = {}): Hono {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const sessionOpts = { now, random } as ConstructorParameters<typeof SessionStore>[0];
  if (opts.sessionIdleMs !== undefined) sessionOpts.idleMs = opts.sessionIdleMs;
  if (opts.sessionMaxAgeMs !== undefined) sessionOpts.maxAgeMs = opts.sessionMaxAgeMs;
  if (opts.maxSessions !== undefined) sessionOpts.maxSessions = opts.maxSessions;
  const sessions = new SessionStore(sessionOpts);
  const limiter = new LoginLimiter(opts.limiter);
  const app = new Hono<Env>();

  const setSessionCookie = (c: Context, id: string) =>
    setCookie(c, SESSION_COOKIE, id, { path: "/", httpOnly: true, sameSite: "Strict" });

  const renderLogin = (c: Context, status: 200 | 400 | 401 | 403 | 429 | 503, v: {
    next?: string;
    username?: string;
    error?: string;
  }) => {
    const loginToken = toBase64Url(random(16));
    setCookie(c, LOGIN_COOKIE, loginToken, {
      path: "/login",
      httpOnly: true,
      sameSite: "Strict",
      maxAge: 3600,
    });
    const view: Parameters<typeof loginPage>[0] = {
      version: deps.version,
      loginToken,
      next: safeNext(v.next),
    };
    if (v.username !== undefined) view.username = v.username;
    if (v.error !== undefined) view.error = v.error;
    return c.html(loginPage(view), status);
  };

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
  app.use(
    "*",
    bodyLimit({ maxSize: MAX_BODY, onError: (c) => c.text("Request too large", 413) }),
  );
  // DNS rebinding: a page on another site whose name now points here sends that name as Host.
  app.use("*", async (c, next) => {
    const hosts = deps.hosts?.();
    if (hosts !== undefined && !allowedHost(c.req.header("host"), hosts)) {
      return c.text(
        `Wrong host "${(c.req.header("host") ?? "").slice(0, 100)}": this router's web UI ` +
          `answers only to its own names and addresses; open http://${
            hosts[0] ?? "its LAN address"
          }` +
          `${portOf(c.req.url)}/ instead`,
        421,
      );
    }
    await next();
  });
  // Cross-site form posts are refused before anything else looks at them.
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" && !sameOrigin(c.req.header("origin"), c.req.url)) {
      return c.text("Cross-site request refused; open the page from the router's address", 403);
    }
    await next();
  });

  app.get("/assets/app.css", (c) => {
    c.header("Cache-Control", "max-age=3600");
    return c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  app.get("/favicon.ico", (c) => c.body(null, 204));

  app.get("/login", (c) => {
    if (sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect("/", 303);
    return renderLogin(c, 200, { next: c.req.query("next") ?? "/" });
  });

  app.post("/login", async (c) => {
    const form = await formOf(c);
    const username = (form.username ?? "").trim();
    const password = form.password ?? "";
    const next = form.next ?? "/";
    const cookieToken = getCookie(c, LOGIN_COOKIE) ?? "";
    if (!sameSecret(cookieToken, form.login_csrf ?? "")) {
      return renderLogin(c, 403, {
        next,
        username,
        error: "The sign-in form expired or came from elsewhere; enter your password again",
      });
    }
    const client = clientOf(c);
    const wait = limiter.waitMs(client, now());
    if (wait > 0) {
      return renderLogin(c, 429, {
        next,
        username,
        error: `Too many failed sign-ins from your address; wait ${minutes(wait)}, then try again`,
      });
    }
    let ok = false;
    if (username !== "" && username.length <= MAX_USER && password.length <= MAX_PASSWORD) {
      try {
        ok = await deps.auth.login(username, password);
      } catch (e) {
        opts.onError?.(e);
        return renderLogin(c, 503, {
          next,
          username,
          error: "Cannot check passwords right now; make sure the router's login service (rpcd) " +
            "is running, then try again",
        });
      }
    }
    if (!ok) {
      limiter.fail(client, now());
      return renderLogin(c, 401, {
        next,
        username,
        error: "Wrong username or password; try again with the router's login",
      });
    }
    limiter.succeed(client);
    const s = sessions.create(username);
    setSessionCookie(c, s.id);
    deleteCookie(c, LOGIN_COOKIE, { path: "/login" });
    return c.redirect(safeNext(next), 303);
  });

  // Single sign-on from LuCI: a ticket from `punch web_ticket` (rpcd write ACL) becomes a normal
  // session, once, within its lifetime. GET, as it is a link opened from LuCI's page.
  app.get("/sso", (c) => {
    const user = opts.tickets?.redeem(c.req.query("ticket")) ?? null;
    if (user === null) {
      return renderLogin(c, 403, {
        error: "This sign-in link was already used or has expired; open Punch from LuCI again, " +
          "or sign in with the router's login",
      });
    }
    const old = getCookie(c, SESSION_COOKIE);
    if (old !== undefined) sessions.delete(old);
    const s = sessions.create(user);
    setSessionCookie(c, s.id);
    return c.redirect("/", 303);
  });

  // Everything below needs a live session, and every POST needs its CSRF token.
  app.use("*", async (c, next) => {
    const s = sessions.get(getCookie(c, SESSION_COOKIE));
    if (!s) {
      if (c.req.path.startsWith("/api/")) {
        return c.json({ error: "Not signed in; sign in on /login first" }, 401);
      }
      const back = c.req.method === "GET" ? c.req.path + (new URL(c.req.url).search) : "/";
      return c.redirect(`/login?next=${encodeURIComponent(safeNext(back))}`, 303);
    }
    c.set("session", s);
    if (c.req.method === "POST") {
      const form = await formOf(c);
      if (!sameSecret(form._csrf ?? "", s.csrf)) {
        return c.html(
          layout(
            {
              title: "Form expired",
              path: "",
              version: deps.version,
              user: { name: s.user, csrf: s.csrf },
            },
            h`<p class="flash error" role="alert">This form is out of date or did not come from
this page; go back, reload the page and submit it again.</p>`,
          ),
          403,
        );
      }
      c.set("form", form);
    }
    await next();
  });

  app.post("/logout", (c) => {
    sessions.delete(c.get("session").id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  app.get("/api/status", async (c) => {
    const r = await call(deps, "status");
    return r.ok ? c.json(r.value as object) : c.json({ error: r.message }, 502);
  });

  const ctxOf = (c: Context<Env>): Ctx => {
    const s = c.get("session");
    const flash = c.req.method === "GET" ? s.flash : null;
    if (c.req.method === "GET") s.flash = null;
    return {
      deps,
      session: s,
      form: c.req.method === "POST" ? c.get("form") : {},
      query: c.req.query(),
      flash,
      page: (title: string, path: string, body: Html, status = 200) =>
        c.html(
          layout({
            title,
            path,
            version: deps.version,
            user: { name: s.user, csrf: s.csrf },
            flash,
          }, body),
          status as 200,
        ),
      redirect: (path, f) => {
        if (f) s.flash = f;
        return c.redirect(path, 303);
      },
    };
  };
  for (const r of ROUTES) app.on(r.method, r.path, (c) => r.handler(ctxOf(c)));

  app.notFound((c) => {
    const s = c.var.session;
    const user = s ? { name: s.user, csrf: s.csrf } : undefined;
    const frame = user
      ? { title: "Not found", path: "", version: deps.version, user }
      : { title: "Not found", path: "", version: deps.version };
    return c.html(layout(frame, h`<p>No such page. Use the links above.</p>`), 404);
  });

  app.onError((e, c) => {
    opts.onError?.(e);
    if (c.req.path.startsWith("/api/")) {
      return c.json({
        error: "Internal error in the web UI; see the router's log (logread -e punch)",
      }, 500);
    }
    return c.html(
      layout(
        { title: "Something went wrong", path: "", version: deps.version },
        h`<p class="flash error" role="alert">The web UI hit an internal error. Reload the page; if it
keeps happening, look at the router's log (<code>logread -e punch</code>).</p>`,
      ),
      500,
    );
  });

  // Callers only fetch and request; the typed variables stay an inside matter.
  return app as unknown as Hono;
}
