// The dashboard's one HTML page. Static: every value is filled in by app.js with textContent,
// so nothing from the gateway is ever parsed as markup. URLs are relative, so the page also works
// behind a reverse proxy that serves the gateway under a path prefix.
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>presto-ha-gateway dashboard</title>
<link rel="icon" href="dashboard/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="dashboard/style.css">
<script src="dashboard/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>presto-ha-gateway <span class="sub">dashboard</span></h1>
  <form id="login" class="login" autocomplete="off" novalidate>
    <label for="token">Admin API token</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required placeholder="viewer or admin token">
    <button type="submit" id="connect">Connect</button>
  </form>
  <div id="session" class="session" hidden>
    <span id="who"></span>
    <button type="button" id="disconnect">Forget token</button>
  </div>
</header>

<div id="status" class="status" data-state="idle">
  <p id="status-text" class="status-text" role="status" aria-live="polite" aria-atomic="true">Not connected. Enter a viewer or admin token: it stays in this tab's memory only.</p>
  <p id="status-detail" class="status-detail"></p>
</div>

<main id="main" tabindex="-1">
  <p id="action-msg" class="action-msg" role="status" aria-live="polite"></p>

  <section aria-labelledby="clusters-h">
    <h2 id="clusters-h">Clusters</h2>
    <div id="clusters" class="clusters"></div>
    <p id="no-clusters" class="empty" hidden>No clusters configured.</p>
  </section>

  <section aria-labelledby="share-h">
    <h2 id="share-h">Recent queries per routing group</h2>
    <div class="scroll">
      <table id="share" class="share">
        <caption id="share-caption">Share of the recent routed queries seen by this gateway replica, per cluster of each routing group.</caption>
        <colgroup><col class="c-group"><col class="c-cluster"><col class="c-count"><col class="c-share"></colgroup>
        <thead><tr><th scope="col">Routing group</th><th scope="col">Cluster</th><th scope="col" class="num">Queries</th><th scope="col">Share</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>

  <section aria-labelledby="decisions-h">
    <h2 id="decisions-h">Latest routing decisions</h2>
    <div class="scroll">
      <table id="decisions" class="decisions">
        <caption>The newest first, as decided by this gateway replica.</caption>
        <colgroup><col class="c-time"><col class="c-qid"><col class="c-user"><col class="c-group"><col class="c-cluster"><col class="c-coord"><col class="c-mode"><col class="c-outcome"></colgroup>
        <thead><tr><th scope="col">Time</th><th scope="col">Query id</th><th scope="col">User</th><th scope="col">Group</th><th scope="col">Cluster</th><th scope="col">Coordinator</th><th scope="col">Mode</th><th scope="col">Outcome</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="no-decisions" class="empty">No query routed yet.</p>
  </section>
</main>

<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <h2 id="confirm-title">Confirm</h2>
  <p id="confirm-text"></p>
  <p id="confirm-option" class="option" hidden>
    <input type="checkbox" id="confirm-immediate">
    <label for="confirm-immediate">At once: do not wait until the old primary runs nothing</label>
  </p>
  <p id="confirm-error" class="confirm-error" role="alert"></p>
  <div class="dialog-buttons">
    <button type="button" id="confirm-cancel">Cancel</button>
    <button type="button" id="confirm-ok" class="danger">OK</button>
  </div>
</dialog>
</body>
</html>
`
