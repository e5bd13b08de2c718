/// The console's pages and stylesheet, served from the binary (no external assets; no inline
/// scripts or styles, as the Content-Security-Policy requires). The scripts are in
/// `ConsoleScript*.swift`.
enum ConsoleAssets {
    /// Name → (body, Content-Type), served at `/console/assets/<name>`.
    static let files: [String: (String, String)] = [
        "console.css": (stylesheet, "text/css; charset=utf-8"),
        "core.js": (ConsoleScript.core, "text/javascript; charset=utf-8"),
        "views.js": (ConsoleScript.views, "text/javascript; charset=utf-8"),
        "tools.js": (ConsoleScript.tools, "text/javascript; charset=utf-8"),
    ]

    /// `{{login_token}}`, `{{cloud}}`, `{{error}}`, `{{notice}}` are filled in per request (escaped).
    static let loginPage = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Derive console: log in</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        </head>
        <body class="login">
        <main class="login-box">
        <h1>Derive <span class="muted">{{cloud}}</span></h1>
        <p>Log in with an API key pair of this server.</p>
        {{notice}}
        {{error}}
        <form method="post" action="/console/login" id="login-form">
        <input type="hidden" name="login_token" value="{{login_token}}">
        <label>API key <input name="api_key" id="api_key" autocomplete="username" required></label>
        <label>API secret <input name="api_secret" id="api_secret" type="password" autocomplete="current-password" required></label>
        <button type="submit" id="login-button">Log in</button>
        </form>
        </main>
        </body>
        </html>
        """#

    static let appPage = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Derive console</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/core.js" defer></script>
        <script src="/console/assets/views.js" defer></script>
        <script src="/console/assets/tools.js" defer></script>
        </head>
        <body>
        <header class="top">
        <strong class="brand">Derive</strong>
        <nav>
        <a href="#/browse" id="nav-browse">Originals</a>
        <a href="#/derived" id="nav-derived">Derived images</a>
        <a href="#/bulk" id="nav-bulk" class="write-only">Bulk delete</a>
        <a href="#/upload" id="nav-upload" class="write-only">Upload</a>
        </nav>
        <span class="who" id="who"></span>
        <button type="button" id="logout">Log out</button>
        </header>
        <main id="view" aria-live="polite"><p class="muted">Loading…</p></main>
        <dialog id="confirm">
        <form method="dialog">
        <p id="confirm-text"></p>
        <menu>
        <button value="cancel" id="confirm-cancel">Cancel</button>
        <button value="ok" id="confirm-ok" class="danger">Delete</button>
        </menu>
        </form>
        </dialog>
        </body>
        </html>
        """#

    static let stylesheet = #"""
        :root { --fg: #1d2330; --muted: #6b7385; --line: #dde1ea; --bg: #f6f7fa; --accent: #2454d6; --danger: #c02a2a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--accent); }
        .muted { color: var(--muted); }
        .error { color: var(--danger); }
        .ok { color: #17803d; }
        .hidden { display: none !important; }
        .offscreen { position: fixed; left: -9999px; top: 0; }
        body.readonly .write-only { display: none !important; }
        button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
        button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
        button.danger { background: var(--danger); color: #fff; border-color: var(--danger); }
        button:disabled { opacity: .5; cursor: default; }
        input, select { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; }
        .top { display: flex; align-items: center; gap: 18px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        .top nav { display: flex; gap: 14px; flex: 1; }
        .top nav a { text-decoration: none; }
        .top nav a.active { font-weight: 600; text-decoration: underline; }
        .brand { font-size: 16px; }
        main { padding: 16px 20px; }
        .login-box { max-width: 360px; margin: 10vh auto; background: #fff; padding: 24px; border: 1px solid var(--line); border-radius: 8px; }
        .login-box label { display: block; margin: 10px 0; }
        .login-box input { display: block; width: 100%; margin-top: 4px; }
        .filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-bottom: 14px; }
        .filters label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; text-decoration: none; color: inherit; display: block; }
        .card img, .card .noimg { width: 100%; height: 160px; object-fit: cover; display: block; background: #e9ecf2; }
        .card .meta { padding: 8px; font-size: 12px; }
        .card .pid { font-weight: 600; font-size: 13px; word-break: break-all; }
        .pager { display: flex; gap: 10px; margin: 14px 0; align-items: center; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
        th { font-size: 12px; color: var(--muted); font-weight: 600; }
        td.num, th.num { text-align: right; }
        td img.preview { max-width: 96px; max-height: 72px; display: block; }
        .detail { display: grid; grid-template-columns: 320px 1fr; gap: 20px; margin-bottom: 18px; }
        .detail img.original { max-width: 100%; border: 1px solid var(--line); background: #fff; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-all; }
        .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; margin: 12px 0; }
        .panel ul { margin: 6px 0 0; padding-left: 18px; word-break: break-all; }
        .tag { display: inline-block; background: #e8edfb; border-radius: 10px; padding: 0 8px; margin: 0 4px 4px 0; font-size: 12px; }
        .drop { border: 2px dashed var(--line); border-radius: 8px; padding: 40px; text-align: center; background: #fff; }
        .drop.over { border-color: var(--accent); background: #eef3ff; }
        progress { width: 160px; }
        dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 460px; }
        dialog menu { display: flex; justify-content: flex-end; gap: 8px; padding: 0; margin: 12px 0 0; }
        code { font-size: 12px; background: #eef0f5; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
        """#
}
