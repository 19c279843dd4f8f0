/** The whole stylesheet, served as /assets/app.css (no external assets on a router). */
export const APP_CSS = `
:root{--fg:#1d2329;--muted:#5f6b76;--bg:#f6f7f9;--card:#fff;--line:#d9dee3;--accent:#0b63c5;
--ok:#17803d;--warn:#9a6700;--bad:#b42318;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.45}
header{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.6rem 1rem;background:#14202b;color:#fff}
header .brand{font-weight:700;letter-spacing:.02em}
nav{display:flex;flex-wrap:wrap;gap:.2rem;align-items:center;flex:1}
nav a{color:#cfe0f0;text-decoration:none;padding:.3rem .6rem;border-radius:4px}
nav a[aria-current=page],nav a:hover{background:#27415a;color:#fff}
nav .logout{margin-left:auto}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.4rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
section>h2:first-child,.card>h3:first-child{margin-top:0}
button[type=submit]:not(.danger):not(.link){display:block}
section,.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
code,.mono,textarea{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.88rem;word-break:break-all}
td.mono{word-break:normal;white-space:nowrap}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
input[type=text],input[type=password],input:not([type]),textarea,select{display:block;width:100%;max-width:36rem;padding:.4rem;border:1px solid var(--line);border-radius:4px;font:inherit}
textarea{min-height:5rem}
button{margin-top:.7rem;padding:.4rem .9rem;border:0;border-radius:4px;background:var(--accent);color:#fff;font:inherit;cursor:pointer}
button.danger{background:var(--bad);margin:0;padding:.2rem .6rem}
button.link{background:none;color:#cfe0f0;margin:0;padding:.3rem .6rem}
form.inline{display:inline;margin:0}
.flash{padding:.6rem .8rem;border-radius:4px;border:1px solid}
.flash.ok{background:#e9f7ee;border-color:#9bd3b0;color:#0f5129}
.flash.error{background:#fdecea;border-color:#f1a9a0;color:#7a1a10}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-size:.8rem;font-weight:600;color:#fff}
.badge.connected,.badge.direct,.badge.good{background:var(--ok)}
.badge.stale,.badge.warn,.badge.relay{background:var(--warn)}
.badge.never,.badge.bad,.badge.blocked{background:var(--bad)}
.badge.unknown{background:var(--muted)}
.hint{color:var(--muted);font-size:.9rem}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
figure.qr{margin:.5rem 0;display:block;width:max-content;max-width:100%;background:#fff;padding:.25rem;border:1px solid var(--line)}
figure.qr svg{display:block;max-width:100%;height:auto}
footer{text-align:center;color:var(--muted);font-size:.8rem;padding:1rem}
.login{max-width:22rem;margin:3rem auto}
`;
