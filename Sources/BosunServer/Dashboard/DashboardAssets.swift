/// The dashboard's stylesheet, script and icon, compiled in so Bosun needs no CDN and no
/// files beside the binary.
enum DashboardAssets {
    static let css = #"""
        :root {
          --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #6b7280; --line: #e3e6eb; --accent: #2563eb;
          --good: #16a34a; --good-bg: #dcfce7; --warn: #b45309; --warn-bg: #fef3c7; --bad: #dc2626; --bad-bg: #fee2e2;
          --busy: #2563eb; --busy-bg: #dbeafe; --muted-bg: #eef0f3;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; font-size: 15px;
        }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0f1217; --panel: #171b22; --text: #e5e7eb; --muted: #9aa3af; --line: #2a303a; --accent: #60a5fa;
            --good: #4ade80; --good-bg: #14311f; --warn: #fbbf24; --warn-bg: #3a2a0a; --bad: #f87171; --bad-bg: #3b1414;
            --busy: #93c5fd; --busy-bg: #172a4a; --muted-bg: #222832; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text); }
        a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
        header.top { display: flex; align-items: center; gap: 1.5rem; padding: .7rem 1.5rem; background: var(--panel);
          border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
        .brand { font-weight: 700; font-size: 1.1rem; color: var(--text); } .logo { color: var(--accent); }
        header nav a { color: var(--muted); font-weight: 500; }
        .live { color: var(--muted); font-size: .8rem; } .live.on { color: var(--good); }
        .account { margin-left: auto; display: flex; gap: .8rem; align-items: center; color: var(--muted); }
        main { max-width: 1200px; margin: 0 auto; padding: 1.5rem; }
        h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.05rem; margin: 2rem 0 .6rem; color: var(--muted);
          text-transform: uppercase; letter-spacing: .04em; }
        .crumb { color: var(--muted); }
        .page-head { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
        .summary { display: flex; gap: 1rem; color: var(--muted); margin-left: auto; }
        .good-text { color: var(--good); } .warn-text { color: var(--warn); } .bad-text { color: var(--bad); }
        table.grid { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line);
          border-radius: 8px; overflow: hidden; }
        .grid th { text-align: left; font-weight: 600; font-size: .8rem; color: var(--muted); text-transform: uppercase;
          letter-spacing: .03em; padding: .55rem .8rem; border-bottom: 1px solid var(--line); }
        .grid td { padding: .55rem .8rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .grid tr:last-child td { border-bottom: none; }
        .grid tr.warning td { background: var(--warn-bg); }
        a.app { font-weight: 600; }
        .badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .78rem; font-weight: 600;
          white-space: nowrap; }
        .badge.good { color: var(--good); background: var(--good-bg); } .badge.warn { color: var(--warn); background: var(--warn-bg); }
        .badge.bad { color: var(--bad); background: var(--bad-bg); } .badge.busy { color: var(--busy); background: var(--busy-bg); }
        .badge.muted { color: var(--muted); background: var(--muted-bg); }
        code, pre, .sha { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
        .sha { background: var(--muted-bg); padding: .05rem .35rem; border-radius: 4px; }
        .subject { color: var(--text); } .muted, .empty { color: var(--muted); }
        .condition { color: var(--warn); font-size: .8rem; margin-top: .2rem; }
        .message { color: var(--muted); max-width: 32rem; overflow-wrap: anywhere; }
        .callout { padding: .7rem 1rem; border-radius: 8px; margin: .8rem 0; }
        .callout.warn { background: var(--warn-bg); color: var(--warn); } .callout.bad { background: var(--bad-bg); color: var(--bad); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.2rem; background: var(--panel);
          border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 0; }
        dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
        pre.diff { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; overflow-x: auto;
          line-height: 1.45; margin: .5rem 0; }
        pre.diff .add { color: var(--good); } pre.diff .del { color: var(--bad); } pre.diff .hunk { color: var(--accent); }
        pre.diff .file { color: var(--muted); font-weight: 600; }
        details.sync { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin-bottom: .5rem; padding: .5rem .9rem; }
        details.sync summary { cursor: pointer; display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
        details.sync[open] summary { margin-bottom: .6rem; }
        .results { margin: .4rem 0; }
        button { font: inherit; font-weight: 600; border: 1px solid var(--accent); background: var(--accent); color: #fff;
          border-radius: 6px; padding: .4rem .95rem; cursor: pointer; }
        button:hover { filter: brightness(1.08); } button:disabled { opacity: .55; cursor: progress; }
        button.secondary { background: transparent; color: var(--accent); }
        button.small { padding: .2rem .7rem; font-size: .85rem; }
        button.confirm { background: var(--bad); border-color: var(--bad); color: #fff; }
        button.link { background: none; border: none; color: var(--accent); padding: 0; font-weight: 500; }
        form.inline { display: inline; }
        .buttons { display: flex; gap: .5rem; margin-left: auto; }
        .operation { background: var(--busy-bg); color: var(--busy); padding: .7rem 1rem; border-radius: 8px; margin: .8rem 0; }
        .bar { height: 6px; background: var(--panel); border-radius: 3px; margin-top: .5rem; overflow: hidden; }
        .bar span { display: block; height: 100%; background: var(--busy); transition: width .4s; }
        .card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.5rem 1.8rem; }
        .card.narrow { max-width: 30rem; margin: 3rem auto; }
        .card label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
        .card input[type=password] { width: 100%; font: inherit; padding: .5rem .7rem; border: 1px solid var(--line);
          border-radius: 6px; background: var(--bg); color: var(--text); margin-bottom: 1rem; }
        #toast { position: fixed; right: 1.5rem; bottom: 1.5rem; max-width: 28rem; z-index: 5; }
        #toast div { background: var(--text); color: var(--bg); padding: .7rem 1rem; border-radius: 8px; margin-top: .5rem;
          box-shadow: 0 4px 14px rgba(0,0,0,.2); }
        #toast div.bad { background: var(--bad); color: #fff; }
        """#

    static let script = #"""
        "use strict";
        (function () {
          const app = document.body.dataset.app || "";
          const main = document.getElementById("main");

          // Relative times, kept fresh.
          function ago(iso) {
            const s = (Date.now() - Date.parse(iso)) / 1000, m = Math.abs(s);
            if (m < 10) return "just now";
            const t = m < 60 ? Math.floor(m) + " s" : m < 3600 ? Math.floor(m / 60) + " min" :
              m < 86400 ? Math.floor(m / 3600) + " h" : Math.floor(m / 86400) + (Math.floor(m / 86400) === 1 ? " day" : " days");
            return s >= 0 ? t + " ago" : "in " + t;
          }
          function refreshTimes() {
            document.querySelectorAll("time[datetime]").forEach(function (el) { el.textContent = ago(el.getAttribute("datetime")); });
          }
          setInterval(refreshTimes, 15000);

          function toast(text, bad) {
            const box = document.getElementById("toast"), div = document.createElement("div");
            div.textContent = text;
            if (bad) div.className = "bad";
            box.appendChild(div);
            setTimeout(function () { div.remove(); }, 6000);
          }

          // Live updates: re-render <main> from the server, keeping open <details> open.
          let pending = null, loading = false, again = false;
          async function reload() {
            if (loading) { again = true; return; }
            loading = true;
            try {
              const open = Array.from(document.querySelectorAll("details[open]")).map(function (d) { return d.id; });
              const response = await fetch(location.pathname + location.search, { headers: { "X-Bosun-Fragment": "1" }, credentials: "same-origin" });
              if (response.status === 401 || response.redirected) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
              if (response.ok) {
                main.innerHTML = await response.text();
                open.forEach(function (id) { const d = id && document.getElementById(id); if (d) d.open = true; });
                refreshTimes();
              }
            } catch (e) { /* the next event retries */ }
            loading = false;
            if (again) { again = false; schedule(); }
          }
          function schedule() { clearTimeout(pending); pending = setTimeout(reload, 250); }
          window.bosunReload = reload;

          if (window.EventSource) {
            const live = document.getElementById("live");
            const source = new EventSource("/api/v1/events/stream" + (app ? "?app=" + encodeURIComponent(app) : ""));
            source.onopen = function () { live.classList.add("on"); live.title = "Live: updates as Bosun works"; };
            source.onerror = function () { live.classList.remove("on"); live.title = "Reconnecting…"; };
            source.onmessage = function () { schedule(); };
          }
          // While a sync runs, follow its progress.
          setInterval(function () { if (main.querySelector(".operation, .badge.busy")) schedule(); }, 2000);

          // Actions: POST to the API; the cookie signs it, the header proves it comes from this page.
          async function act(action, name) {
            const response = await fetch("/api/v1/applications/" + encodeURIComponent(name) + "/" + action, {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-Bosun-CSRF": "1" }, body: "{}"
            });
            let body = null;
            try { body = await response.json(); } catch (e) { /* not JSON */ }
            if (!response.ok) {
              toast((body && body.error && body.error.message) || (action + " failed: HTTP " + response.status), true);
              return;
            }
            const words = { sync: "Sync", rollback: "Rollback", refresh: "Refresh", unpin: "Unpin" };
            toast(body && body.id ? words[action] + " #" + body.id + " of " + name + " started" : words[action] + " of " + name + " asked for");
            schedule();
          }
          document.addEventListener("click", async function (event) {
            const button = event.target.closest("button[data-action]");
            if (!button) return;
            const action = button.dataset.action, name = button.dataset.app;
            if (action === "rollback" && !button.classList.contains("confirm")) {
              // A second press confirms; no browser dialog to get in the way.
              button.classList.add("confirm");
              const label = button.textContent;
              button.textContent = "Confirm rollback";
              setTimeout(function () { button.classList.remove("confirm"); button.textContent = label; }, 4000);
              return;
            }
            button.disabled = true;
            try { await act(action, name); } finally { button.disabled = false; }
          });
        })();
        """#

    static let icon = #"""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2563eb"/><text x="16" y="23" font-size="19" text-anchor="middle" fill="#fff">⚓</text></svg>
        """#
}
