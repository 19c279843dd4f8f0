// Loads LuCI view files (openwrt/luci-app-punch/root/www/...) the way LuCI's L.require does:
// the source wrapped in a function of window, document, L and the required classes. Here the
// classes are stand-ins, so a view's logic can be tested without LuCI.

export const VIEW_PATH = new URL(
  "../../openwrt/luci-app-punch/root/www/luci-static/resources/view/punch/status.js",
  import.meta.url,
);

/** The names a view's `'require x'` lines ask for, in order (as LuCI's loader finds them). */
export function requiresOf(source: string): string[] {
  const out: string[] = [];
  for (const line of source.split("\n")) {
    const m = /^'require ([\w.]+)';$/.exec(line.trim());
    if (m) out.push(m[1]!);
    else if (line.trim() !== "'use strict';" && line.trim() !== "") break;
  }
  return out;
}

/** A minimal `String.prototype.format` (LuCI adds one): %s and %d. */
export function luciFormat(this: string, ...args: unknown[]): string {
  let i = 0;
  return this.replace(/%([sd])/g, (_m, k) => {
    const v = args[i++];
    return k === "d" ? String(Math.floor(Number(v))) : String(v);
  });
}

/** Evaluates the view source with the given classes; returns what its last `return` gives. */
export function loadView(
  source: string,
  classes: Record<string, unknown>,
  globals: { _: (s: string) => string; E: (...a: unknown[]) => unknown },
): Record<string, unknown> {
  const names = requiresOf(source);
  const fn = new Function("window", "document", "L", ...names, "_", "E", source);
  return fn(
    classes.window ?? {},
    classes.document ?? {},
    classes.L ?? {},
    ...names.map((n) => classes[n]),
    globals._,
    globals.E,
  );
}
