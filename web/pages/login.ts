import { layout } from "../layout.ts";
import { h, type Html } from "../view.ts";

export interface LoginView {
  version: string;
  /** Token that must come back both as the `punch_login` cookie and as the form field. */
  loginToken: string;
  next: string;
  username?: string;
  error?: string;
}

export function loginPage(v: LoginView): Html {
  const flash = v.error ? { kind: "error" as const, message: v.error } : null;
  const body = h`<form method="post" action="/login" class="card login">
<input type="hidden" name="login_csrf" value="${v.loginToken}">
<input type="hidden" name="next" value="${v.next}">
<label for="username">Username</label>
<input id="username" name="username" required maxlength="64" autocomplete="username" value="${
    v.username ?? "root"
  }">
<label for="password">Password</label>
<input id="password" name="password" type="password" maxlength="512" autocomplete="current-password" autofocus>
<button type="submit">Sign in</button>
<p class="hint">Use the router's login (the same as for LuCI or SSH).</p>
</form>`;
  return layout({ title: "Sign in", path: "/login", version: v.version, flash }, body);
}
