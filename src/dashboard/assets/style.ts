// The dashboard's stylesheet. Every state is a word first; colours only repeat it.
// Widths are fixed where values change every second, so a refresh never moves the layout.
export const STYLE_CSS = String.raw`
:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #fff; --line: #d0d7de;
  --ok-bg: #dafbe1; --ok-fg: #116329; --ok-line: #4ac26b;
  --warn-bg: #fff8c5; --warn-fg: #7d4e00; --warn-line: #d4a72c;
  --bad-bg: #ffebe9; --bad-fg: #a40e26; --bad-line: #ff8182;
  --info-bg: #ddf4ff; --info-fg: #0550ae; --info-line: #54aeff;
  --idle-bg: #eaeef2; --idle-fg: #424a53; --idle-line: #afb8c1;
  --focus: #0969da;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 1280px; padding: 0 16px 32px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
  color: var(--fg); background: var(--bg);
}
h1 { font-size: 20px; margin: 0; white-space: nowrap; }
h1 .sub { font-weight: 400; color: var(--muted); }
h2 { font-size: 16px; margin: 20px 0 8px; }
h3 { font-size: 16px; margin: 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 16px; top: 8px; background: var(--card); padding: 4px 8px; z-index: 10; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
button {
  font: inherit; padding: 4px 12px; min-height: 32px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--line); background: var(--card); color: var(--fg);
}
button:hover { background: var(--idle-bg); }
button:disabled { cursor: progress; opacity: .6; }
button.danger { border-color: var(--bad-line); color: var(--bad-fg); }
button.primary-action { border-color: var(--info-line); color: var(--info-fg); }
input[type=password] { font: inherit; padding: 4px 8px; min-height: 32px; border: 1px solid var(--line); border-radius: 6px; width: 16em; max-width: 100%; }

.top { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px 16px; padding: 12px 0; }
.login, .session { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.login label { font-weight: 600; }
.session #who { color: var(--muted); }
.session #who strong { color: var(--fg); }

.status {
  min-height: 64px; padding: 8px 12px; border: 1px solid var(--idle-line); border-left-width: 6px;
  border-radius: 6px; background: var(--idle-bg); color: var(--idle-fg);
}
.status p { margin: 0; }
.status-text { font-weight: 600; }
.status-detail { font-variant-numeric: tabular-nums; min-height: 1.45em; }
.status[data-state=live] { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-line); }
.status[data-state=lost], .status[data-state=rejected] { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-line); }
main.stale .clusters, main.stale table { opacity: .55; }

.action-msg { min-height: 1.45em; margin: 8px 0 0; color: var(--muted); }
.action-msg.error { color: var(--bad-fg); font-weight: 600; }

.clusters { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); }
.cluster { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
.cluster.recent-failover { border-color: var(--warn-line); box-shadow: 0 0 0 2px var(--warn-bg); }
.cluster-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.cluster-head h3 { margin-right: auto; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.eligibility { margin: 6px 0 0; min-height: 1.45em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.eligibility.no { color: var(--bad-fg); font-weight: 600; }
.eligibility.yes { color: var(--ok-fg); }

.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--idle-line);
  background: var(--idle-bg); color: var(--idle-fg); font-weight: 600; font-size: 13px; text-align: center;
  white-space: nowrap;
}
.badge.state { min-width: 6.5em; }
.badge.ok { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-line); }
.badge.warn { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-line); }
.badge.bad { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-line); }
.badge.info { background: var(--info-bg); color: var(--info-fg); border-color: var(--info-line); }

.facts { display: grid; grid-template-columns: 8.5em minmax(0, 1fr); gap: 2px 12px; margin: 10px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.facts dd.wrap { white-space: normal; min-height: 2.9em; overflow-wrap: anywhere; }
.facts .old { color: var(--bad-fg); font-weight: 600; }
.errors { list-style: none; margin: 6px 0 0; padding: 0; color: var(--bad-fg); }
.errors li { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cluster-actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; padding-top: 10px; border-top: 1px solid var(--line); }

table { width: 100%; border-collapse: collapse; table-layout: fixed; background: var(--card); }
caption { text-align: left; color: var(--muted); padding: 0 0 4px; caption-side: top; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; height: 33px; }
th { font-weight: 600; background: var(--idle-bg); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.time, td.qid { font-variant-numeric: tabular-nums; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.coordinators caption { position: absolute; width: 1px; height: 1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.coordinators .c-name { width: 28%; }
.coordinators .c-role { width: 23%; }
.coordinators .c-health { width: 23%; }
.coordinators .c-check { width: 26%; }
.coordinators .badge { min-width: 0; width: 6.2em; max-width: 100%; overflow: hidden; text-overflow: ellipsis; padding: 1px 4px; font-size: 12px; }
.coordinators td.age { font-variant-numeric: tabular-nums; }

.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
.share { min-width: 520px; }
.share .c-group { width: 22%; } .share .c-cluster { width: 22%; } .share .c-count { width: 14%; } .share .c-share { width: 42%; }
.share meter { width: calc(100% - 5em); height: 14px; vertical-align: middle; }
.share .pct { display: inline-block; width: 4.5em; text-align: right; font-variant-numeric: tabular-nums; }
.decisions { min-width: 900px; }
.decisions .c-time { width: 10%; } .decisions .c-qid { width: 23%; } .decisions .c-user { width: 11%; }
.decisions .c-group { width: 9%; } .decisions .c-cluster { width: 10%; } .decisions .c-coord { width: 12%; }
.decisions .c-mode { width: 9%; } .decisions .c-outcome { width: 16%; }
.outcome-routed { color: var(--ok-fg); }
.outcome-retried { color: var(--warn-fg); }
.outcome-unroutable { color: var(--bad-fg); font-weight: 600; }
.empty { color: var(--muted); }

dialog { border: 1px solid var(--line); border-radius: 8px; padding: 16px; max-width: min(520px, calc(100vw - 32px)); color: var(--fg); }
dialog::backdrop { background: rgba(27, 31, 36, .45); }
dialog h2 { margin-top: 0; }
.confirm-error { color: var(--bad-fg); font-weight: 600; min-height: 1.45em; margin: 8px 0; }
.dialog-buttons { display: flex; justify-content: flex-end; gap: 8px; }

@media (max-width: 600px) {
  body { padding: 0 8px 24px; }
  .status { min-height: 88px; }
  .login { width: 100%; }
  .login input { flex: 1 1 10em; }
  .facts { grid-template-columns: 7.5em minmax(0, 1fr); }
  .cluster { padding: 10px 8px; }
  th, td { padding: 4px 3px; }
  .coordinators { font-size: 13px; }
}
`
