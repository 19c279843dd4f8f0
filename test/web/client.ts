import type { Hono } from "hono";

/** Drives an app through `app.request()` like a browser: keeps cookies, sends Origin on POST. */
export class Client {
  cookies = new Map<string, string>();
  constructor(readonly app: { request: Hono["request"] }, readonly origin = "http://localhost") {}

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.#send(path, { method: "GET", headers });
  }

  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.#send(path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: this.origin,
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Follow one redirect (303 → GET). */
  follow(r: Response): Promise<Response> {
    const loc = r.headers.get("location");
    if (!loc) throw new Error(`Expected a redirect, got ${r.status}`);
    return this.get(loc);
  }

  async #send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const r = await this.app.request(path, { ...init, headers });
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq), value = pair!.slice(eq + 1);
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return r;
  }

  /** Sign in through the login form. */
  async login(user = "root", password = "secret"): Promise<Response> {
    const page = await (await this.get("/login")).text();
    return this.post("/login", {
      username: user,
      password,
      login_csrf: hidden(page, "login_csrf"),
      next: "/",
    });
  }

  /** The CSRF token from any signed-in page. */
  async csrf(path = "/"): Promise<string> {
    return hidden(await (await this.get(path)).text(), "_csrf");
  }
}

export function hidden(page: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  if (!m) throw new Error(`No hidden field "${name}" in page`);
  return m[1]!;
}
