// The web UI's forms and query strings: whatever a browser (or anyone on the LAN) sends, the
// answer is a page, a redirect or a refusal, never an internal error.
import fc from "fast-check";
import { createApp, ROUTES } from "../../web/app.ts";
import { Client } from "../web/client.ts";
import { FakeControl, fakeDeps } from "../web/fake_control.ts";
import { check, type FuzzTarget, text } from "./fuzz.ts";

const FIELDS = [
  "_csrf",
  "allowedIps",
  "endpoint",
  "expires",
  "host",
  "id",
  "name",
  "peer",
  "port",
  "publicKey",
  "remote",
  "reply",
  "token",
  "username",
  "password",
  "login_csrf",
  "next",
];

const value = fc.oneof(
  text(60),
  fc.constantFrom(
    "punch1-AAAA",
    "punch1r-AAAA",
    "24h",
    "0",
    "65536",
    "192.0.2.1:51820",
    "[2001:db8::1]:1",
    "10.0.0.0/8,0.0.0.0/0",
    "x".repeat(9000),
  ),
);

const form = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), text(8)), value, {
  maxKeys: 6,
});

const POSTS = [...ROUTES.filter((r) => r.method === "POST").map((r) => r.path), "/login"];
const GETS = [...ROUTES.filter((r) => r.method === "GET").map((r) => r.path), "/login"];

async function signedIn() {
  const errors: unknown[] = [];
  const client = new Client(
    createApp(fakeDeps(new FakeControl()), { onError: (e) => errors.push(e) }),
  );
  await client.login();
  return { client, errors, csrf: await client.csrf() };
}

function noInternalError(status: number, errors: unknown[], what: string): void {
  check(status < 500 && errors.length === 0, `${what}: status ${status} ${String(errors[0])}`);
}

export const webTargets: FuzzTarget[] = [
  {
    parser: "web",
    name: "form posts with any fields and values (CSRF right or wrong): never an internal error",
    cost: 3,
    property: () =>
      fc.asyncProperty(
        fc.constantFrom(...POSTS),
        form,
        fc.boolean(),
        async (path, fields, withCsrf) => {
          const { client, errors, csrf } = await signedIn();
          const f = withCsrf ? { ...fields, _csrf: csrf } : fields;
          const r = await client.post(path, f);
          await r.arrayBuffer();
          noInternalError(r.status, errors, `POST ${path} ${JSON.stringify(f).slice(0, 200)}`);
        },
      ),
  },
  {
    parser: "web",
    name:
      "raw bodies (urlencoded, multipart, other types) and query strings: never an internal error",
    cost: 3,
    property: () =>
      fc.asyncProperty(
        fc.constantFrom(...POSTS),
        fc.constantFrom(...GETS),
        fc.oneof(
          fc.constant("application/x-www-form-urlencoded"),
          fc.constant("multipart/form-data; boundary=b"),
          fc.constant("multipart/form-data"),
          fc.constant("text/plain"),
          text(40),
        ),
        fc.oneof(
          text(300),
          fc.array(fc.tuple(text(10), text(20)), { maxLength: 4 }).map((p) =>
            `--b\r\n${
              p.map(([k, v]) => `Content-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n--b`)
                .join("\r\n")
            }--\r\n`
          ),
        ),
        text(80),
        async (post, get, type, body, query) => {
          const { client, errors, csrf } = await signedIn();
          let r: Response;
          try {
            r = await client.app.request(post, {
              method: "POST",
              headers: { "content-type": type, origin: client.origin, cookie: cookies(client) },
              body: body.includes("--b")
                ? body.replace(
                  "--b",
                  `--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--b`,
                )
                : body,
            });
          } catch (e) {
            // the Request constructor refuses some header values before the app sees them
            if (e instanceof TypeError && /header/i.test(e.message)) return;
            throw e;
          }
          await r.arrayBuffer();
          noInternalError(
            r.status,
            errors,
            `POST ${post} ${type} ${JSON.stringify(body).slice(0, 200)}`,
          );
          const g = await client.get(`${get}?${query}`);
          await g.arrayBuffer();
          noInternalError(g.status, errors, `GET ${get}?${query}`);
        },
      ),
  },
];

function cookies(c: Client): string {
  return [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
}
