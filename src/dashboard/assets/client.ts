// The dashboard's script, served as /dashboard/app.js (no inline script: the page's CSP forbids
// it). Plain browser JavaScript kept in a string so `tsc` output carries it without a copy step;
// it must contain no backtick and no dollar-brace. Values from the gateway reach the page only
// through textContent and attributes, never as markup.
export const CLIENT_JS = String.raw`'use strict';
(function () {
  var POLL_MS = 1000
  var TIMEOUT_MS = 3000
  var DECISIONS_SHOWN = 25
  var RECENT_FAILOVER_MS = 5 * 60 * 1000

  var s = {
    token: null, // kept in this closure only: never in storage, cookies or the DOM
    who: null,
    gen: 0,
    timer: null,
    skew: 0, // gateway clock minus this browser's clock
    lastGood: null, // browser time of the last good answer
    lostSince: null,
    lostWhy: '',
    clusters: [],
    decisions: [],
    cards: new Map(),
    pending: null,
    changedAt: 0 // when an action of this page last changed something: older polls are not shown
  }

  function $ (id) { return document.getElementById(id) }

  function el (tag, cls, text) {
    var e = document.createElement(tag)
    if (cls) e.className = cls
    if (text !== undefined && text !== null) e.textContent = String(text)
    return e
  }

  function setText (e, text) {
    var t = text === undefined || text === null ? '' : String(text)
    if (e.textContent !== t) e.textContent = t
  }

  function setClass (e, cls) { if (e.className !== cls) e.className = cls }

  function pad (n) { return n < 10 ? '0' + n : String(n) }

  function clock (ms) {
    var d = new Date(ms)
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds())
  }

  function stamp (ms) {
    var d = new Date(ms)
    var today = new Date()
    if (d.toDateString() === today.toDateString()) return clock(ms)
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + clock(ms)
  }

  function gatewayNow () { return Date.now() + s.skew }

  function age (ms) {
    var a = Math.max(0, gatewayNow() - ms)
    if (a < 10000) return (a / 1000).toFixed(1) + ' s ago'
    if (a < 120000) return Math.round(a / 1000) + ' s ago'
    if (a < 2 * 3600000) return Math.round(a / 60000) + ' min ago'
    return Math.round(a / 3600000) + ' h ago'
  }

  // ---- talking to the admin API ----------------------------------------------------------

  function api (method, path, token, timeoutMs, body) {
    var ctl = new AbortController()
    var t = timeoutMs ? setTimeout(function () { ctl.abort() }, timeoutMs) : null
    var headers = { authorization: 'Bearer ' + token, accept: 'application/json' }
    var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit', signal: ctl.signal }
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(body)
    }
    return fetch(path, init)
      .then(function (res) {
        return res.text().then(function (text) {
          var parsed = null
          try { parsed = text ? JSON.parse(text) : null } catch (e) { parsed = null }
          return { status: res.status, ok: res.ok, body: parsed }
        })
      }, function (err) {
        var e = new Error(ctl.signal.aborted ? 'no answer within ' + (timeoutMs / 1000) + ' s' : 'network error')
        e.cause = err
        throw e
      })
      .finally(function () { if (t) clearTimeout(t) })
  }

  function messageOf (r) {
    if (r.body && typeof r.body.message === 'string') return r.body.message
    return 'HTTP ' + r.status
  }

  // ---- token ---------------------------------------------------------------------------

  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault()
    var input = $('token')
    var token = input.value.trim()
    if (!token) { input.focus(); return }
    $('connect').disabled = true
    api('GET', 'admin/whoami', token, TIMEOUT_MS).then(function (r) {
      $('connect').disabled = false
      if (r.status === 401 || r.status === 403) {
        status('rejected', 'This token is not accepted: ' + messageOf(r) + '.', '')
        input.select()
        return
      }
      if (!r.ok || !r.body) {
        status('lost', 'The gateway did not accept the request: ' + messageOf(r) + '.', '')
        return
      }
      input.value = ''
      start(token, r.body)
    }, function (err) {
      $('connect').disabled = false
      status('lost', 'The gateway is not answering (' + err.message + ').', '')
    })
  })

  $('disconnect').addEventListener('click', function () { stop('Not connected. Enter a viewer or admin token: it stays in this tab\u2019s memory only.') })

  function start (token, who) {
    s.token = token
    s.gen++
    s.lastGood = null
    s.lostSince = null
    setWho(who)
    $('login').hidden = true
    $('session').hidden = false
    status('idle', 'Connecting\u2026', '')
    poll(s.gen)
  }

  function stop (text, state) {
    s.token = null
    s.who = null
    s.gen++
    if (s.timer) clearTimeout(s.timer)
    s.timer = null
    s.clusters = []
    s.decisions = []
    s.cards.forEach(function (c) { c.root.remove() })
    s.cards.clear()
    render()
    $('session').hidden = true
    $('login').hidden = false
    document.body.classList.remove('admin')
    status(state || 'idle', text, '')
    $('token').focus()
  }

  function setWho (who) {
    var changed = !s.who || s.who.role !== who.role
    s.who = who
    var w = $('who')
    w.textContent = ''
    w.appendChild(document.createTextNode('Signed in as '))
    w.appendChild(el('strong', '', who.name))
    w.appendChild(document.createTextNode(' (' + who.role + ')'))
    document.body.classList.toggle('admin', who.role === 'admin')
    if (changed) s.cards.forEach(function (c) { c.root.remove() })
    if (changed) s.cards.clear()
  }

  // ---- polling -------------------------------------------------------------------------

  function poll (gen) {
    if (gen !== s.gen) return
    var token = s.token
    var began = Date.now()
    Promise.all([
      api('GET', 'admin/clusters', token, TIMEOUT_MS),
      api('GET', 'admin/decisions?limit=200', token, TIMEOUT_MS),
      api('GET', 'admin/whoami', token, TIMEOUT_MS)
    ]).then(function (rs) {
      if (gen !== s.gen) return
      for (var i = 0; i < rs.length; i++) {
        if (rs[i].status === 401) { stop('This token is no longer accepted: ' + messageOf(rs[i]) + '. Enter a token again.', 'rejected'); return }
      }
      for (var j = 0; j < rs.length; j++) {
        if (!rs[j].ok || !rs[j].body) throw new Error(messageOf(rs[j]))
      }
      var received = Date.now()
      s.skew = rs[1].body.now - Math.round((began + received) / 2)
      if (began >= s.changedAt) s.clusters = rs[0].body
      s.decisions = rs[1].body.decisions
      if (rs[2].body.role !== s.who.role || rs[2].body.name !== s.who.name) setWho(rs[2].body)
      good(received)
      render()
    }).catch(function (err) {
      if (gen !== s.gen) return
      lost(err && err.message ? err.message : String(err))
    }).finally(function () {
      if (gen !== s.gen) return
      var wait = Math.max(100, POLL_MS - (Date.now() - began))
      s.timer = setTimeout(function () { poll(gen) }, wait)
    })
  }

  function good (at) {
    var wasLost = s.lostSince !== null
    s.lastGood = at
    s.lostSince = null
    $('main').classList.remove('stale')
    if (wasLost || $('status').dataset.state !== 'live') status('live', 'Live: the gateway answers; the page reads it every second.', '')
    setText($('status-detail'), 'Last answer at ' + clock(at) + '.')
  }

  function lost (why) {
    var now = Date.now()
    if (s.lostSince === null) {
      s.lostSince = now
      s.lostWhy = why
      var last = s.lastGood === null ? 'no answer yet' : 'last good answer at ' + clock(s.lastGood)
      status('lost', 'The gateway is not answering (' + why + '): ' + last + '. What you see may be out of date.', '')
      $('main').classList.add('stale')
    }
    var detail = 'Failing since ' + clock(s.lostSince) + (s.lastGood === null ? '' : '; last good answer ' + Math.round((now - s.lastGood) / 1000) + ' s ago') + '; retrying every second (' + why + ').'
    setText($('status-detail'), detail)
    // The last data stays on screen, its ages growing: nothing looks fresher than it is.
    render()
  }

  // The live region changes only on a transition, so a screen reader hears each change once.
  function status (state, text, detail) {
    $('status').dataset.state = state
    setText($('status-text'), text)
    setText($('status-detail'), detail)
  }

  // ---- rendering -----------------------------------------------------------------------

  function render () {
    renderClusters()
    renderShare()
    renderDecisions()
  }

  var STATE_CLASS = { active: 'ok', draining: 'warn', drained: 'info' }
  var HEALTH_CLASS = { up: 'ok', down: 'bad', starting: 'warn', unknown: '' }

  function renderClusters () {
    var box = $('clusters')
    var seen = new Set()
    var prev = null
    s.clusters.forEach(function (c) {
      seen.add(c.name)
      var card = s.cards.get(c.name)
      if (!card) {
        card = makeCard(c.name)
        s.cards.set(c.name, card)
      }
      var want = prev ? prev.nextSibling : box.firstChild
      if (want !== card.root) box.insertBefore(card.root, want)
      prev = card.root
      fillCard(card, c)
    })
    s.cards.forEach(function (card, name) {
      if (!seen.has(name)) { card.root.remove(); s.cards.delete(name) }
    })
    $('no-clusters').hidden = s.clusters.length > 0 || s.token === null
  }

  function button (cls, text, label, action, onClick) {
    var b = el('button', cls, text)
    b.type = 'button'
    b.dataset.action = action
    b.setAttribute('aria-label', label)
    b.addEventListener('click', onClick)
    return b
  }

  function makeCard (name) {
    var isAdmin = s.who && s.who.role === 'admin'
    var root = el('section', 'cluster')
    var hid = 'cluster-' + name.replace(/[^A-Za-z0-9_-]/g, '_')
    root.id = hid
    root.dataset.cluster = name
    root.setAttribute('aria-labelledby', hid + '-h')
    var head = el('div', 'cluster-head')
    var h = el('h3', '', name)
    h.id = hid + '-h'
    var state = el('span', 'badge state')
    state.dataset.field = 'state'
    head.appendChild(h)
    head.appendChild(state)
    root.appendChild(head)
    var card = { root: root, name: name, state: state, coords: new Map(), coordOrder: '', switchers: new Map() }
    card.eligibility = el('p', 'eligibility')
    root.appendChild(card.eligibility)

    var dl = el('dl', 'facts')
    function fact (label, field, cls) {
      dl.appendChild(el('dt', '', label))
      var dd = el('dd', cls)
      dd.dataset.field = field
      dl.appendChild(dd)
      return dd
    }
    card.group = fact('Routing group', 'group')
    card.primary = fact('Primary', 'primary')
    card.epoch = fact('Epoch', 'epoch')
    card.failover = fact('Last failover', 'failover', 'wrap')
    card.load = fact('Load', 'load')
    card.loadAge = fact('Load polled', 'load-age')
    card.tx = fact('Transactions', 'transactions')
    root.appendChild(dl)

    var table = el('table', 'coordinators')
    table.appendChild(el('caption', '', 'Coordinators of ' + name))
    var cg = el('colgroup')
    ;['c-name', 'c-role', 'c-health', 'c-check'].forEach(function (k) { cg.appendChild(el('col', k)) })
    table.appendChild(cg)
    var thead = el('thead')
    var tr = el('tr')
    ;['Coordinator', 'Role', 'Health', 'Last check'].forEach(function (t) { var th = el('th', '', t); th.scope = 'col'; tr.appendChild(th) })
    thead.appendChild(tr)
    table.appendChild(thead)
    card.tbody = el('tbody')
    table.appendChild(card.tbody)
    root.appendChild(table)
    card.errors = el('ul', 'errors')
    card.errors.setAttribute('aria-label', 'Last errors of ' + name + '\u2019s coordinators')
    root.appendChild(card.errors)

    if (isAdmin) {
      card.actions = el('div', 'cluster-actions')
      card.actions.setAttribute('role', 'group')
      card.actions.setAttribute('aria-label', 'Change ' + name)
      card.drain = button('danger', 'Drain', 'Drain cluster ' + name, 'drain', function () { confirmDrain(name) })
      card.activate = button('primary-action', 'Activate', 'Activate cluster ' + name, 'activate', function () { confirmActivate(name) })
      card.actions.appendChild(card.drain)
      card.actions.appendChild(card.activate)
      root.appendChild(card.actions)
    }
    return card
  }

  function fillCard (card, c) {
    var isAdmin = s.who && s.who.role === 'admin'
    setText(card.state, c.state)
    setClass(card.state, 'badge state ' + (STATE_CLASS[c.state] || ''))
    if (c.eligible) {
      setText(card.eligibility, 'Takes new queries')
      setClass(card.eligibility, 'eligibility yes')
    } else {
      setText(card.eligibility, 'No new queries: ' + (c.reason || 'not eligible'))
      setClass(card.eligibility, 'eligibility no')
    }
    card.eligibility.title = card.eligibility.textContent
    setText(card.group, c.group)
    setText(card.primary, c.primary === null ? 'none (no usable coordinator)' : c.primary)
    setText(card.epoch, c.epoch)
    var f = c.lastFailover
    // A change with no previous primary is the first election, not a failover.
    var failedOver = !!f && f.from !== null
    if (failedOver) {
      setText(card.failover, f.from + ' \u2192 ' + f.to + ' at ' + stamp(f.at) + ' (' + age(f.at) + '), epoch ' + f.epoch + ', ' + f.reason)
    } else if (f) {
      setText(card.failover, 'none (' + f.to + ' primary since ' + stamp(f.at) + ')')
    } else {
      setText(card.failover, 'none')
    }
    card.root.classList.toggle('recent-failover', failedOver && gatewayNow() - f.at < RECENT_FAILOVER_MS)

    var primary = null
    c.coordinators.forEach(function (k) { if (k.role === 'primary') primary = k })
    var load = primary && primary.load
    if (load) {
      setText(card.load, load.runningQueries + ' running \u00b7 ' + load.queuedQueries + ' queued \u00b7 ' + load.activeWorkers + ' workers')
      var ago = gatewayNow() - load.polledAt
      setText(card.loadAge, clock(load.polledAt) + ' (' + age(load.polledAt) + ')' + (ago > 10000 ? ' \u2014 old' : ''))
      setClass(card.loadAge, ago > 10000 ? 'old' : '')
    } else {
      setText(card.load, 'unknown')
      setText(card.loadAge, primary ? 'not polled yet' : 'no primary to poll')
      setClass(card.loadAge, '')
    }
    setText(card.tx, c.openTransactions + ' open')

    var order = c.coordinators.map(function (k) { return k.name }).join('\n')
    if (order !== card.coordOrder) {
      card.coordOrder = order
      card.tbody.textContent = ''
      card.coords.clear()
      c.coordinators.forEach(function (k) {
        var row = makeCoordRow(k.name)
        card.coords.set(k.name, row)
        card.tbody.appendChild(row.tr)
      })
      if (isAdmin) {
        card.switchers.forEach(function (b) { b.remove() })
        card.switchers.clear()
        c.coordinators.forEach(function (k) {
          var b = button('primary-action', 'Make ' + k.name + ' primary', 'Make ' + k.name + ' the primary of ' + c.name, 'primary', function () { confirmPrimary(c.name, k.name) })
          b.dataset.coordinator = k.name
          card.switchers.set(k.name, b)
          card.actions.appendChild(b)
        })
      }
    }
    c.coordinators.forEach(function (k) { fillCoordRow(card.coords.get(k.name), k) })
    fillErrors(card, c)

    if (isAdmin) {
      var busy = s.pending !== null
      card.drain.hidden = c.state !== 'active'
      card.activate.hidden = c.state === 'active'
      card.drain.disabled = busy
      card.activate.disabled = busy
      c.coordinators.forEach(function (k) {
        var b = card.switchers.get(k.name)
        b.hidden = k.role === 'primary'
        b.disabled = busy
      })
    }
  }

  function makeCoordRow (name) {
    var tr = el('tr')
    tr.dataset.coordinator = name
    var th = el('th', '', name)
    th.scope = 'row'
    th.title = name
    tr.appendChild(th)
    function cell (field, cls, badge) {
      var td = el('td', cls)
      td.dataset.field = field
      tr.appendChild(td)
      if (!badge) return td
      var b = el('span', badge)
      td.appendChild(b)
      return b
    }
    return { tr: tr, role: cell('role', '', 'badge role'), health: cell('health', '', 'badge health'), check: cell('last-check', 'age') }
  }

  function fillCoordRow (row, k) {
    setText(row.role, k.role)
    setClass(row.role, 'badge role ' + (k.role === 'primary' ? 'info' : ''))
    var h = k.shuttingDown ? 'shutting down' : k.health
    setText(row.health, h)
    setClass(row.health, 'badge health ' + (k.shuttingDown ? 'warn' : HEALTH_CLASS[k.health] || ''))
    setText(row.check, k.lastCheckAt === null ? 'never' : age(k.lastCheckAt))
    row.check.title = k.lastCheckAt === null ? 'never checked' : 'checked at ' + stamp(k.lastCheckAt)
  }

  // The last error of each coordinator that is not up: what an operator reads first in an incident.
  function fillErrors (card, c) {
    var lines = []
    c.coordinators.forEach(function (k) {
      if (k.health !== 'up' && k.lastError) lines.push(k.name + ': ' + k.lastError)
    })
    var items = card.errors.children
    while (items.length > lines.length) card.errors.lastChild.remove()
    while (items.length < lines.length) card.errors.appendChild(el('li'))
    lines.forEach(function (t, i) { setText(items[i], t); items[i].title = t })
  }

  function renderShare () {
    var groups = new Map()
    s.clusters.forEach(function (c) {
      if (!groups.has(c.group)) groups.set(c.group, new Map())
      groups.get(c.group).set(c.name, 0)
    })
    var routed = 0
    s.decisions.forEach(function (d) {
      if (d.outcome !== 'routed' || d.cluster === null) return
      routed++
      if (!groups.has(d.group)) groups.set(d.group, new Map())
      var g = groups.get(d.group)
      g.set(d.cluster, (g.get(d.cluster) || 0) + 1)
    })
    setText($('share-caption'), routed === 0
      ? 'No routed query seen by this gateway replica yet.'
      : 'Share of the last ' + routed + ' routed ' + (routed === 1 ? 'query' : 'queries') + ' seen by this gateway replica, per cluster of each routing group.')
    var tbody = $('share').tBodies[0]
    var rows = []
    Array.from(groups.keys()).sort().forEach(function (g) {
      var m = groups.get(g)
      var total = 0
      m.forEach(function (n) { total += n })
      Array.from(m.keys()).sort().forEach(function (cl) {
        rows.push({ group: g, cluster: cl, n: m.get(cl), total: total })
      })
    })
    syncRows(tbody, rows.length, 4)
    rows.forEach(function (r, i) {
      var cells = tbody.rows[i].cells
      setText(cells[0], r.group)
      setText(cells[1], r.cluster)
      setText(cells[2], r.n)
      setClass(cells[2], 'num')
      var pct = r.total === 0 ? 0 : Math.round(100 * r.n / r.total)
      var meter = cells[3].firstChild
      if (!meter) {
        meter = el('meter')
        meter.min = 0
        meter.max = 100
        cells[3].appendChild(meter)
        cells[3].appendChild(el('span', 'pct'))
      }
      meter.value = pct
      meter.setAttribute('aria-label', r.cluster + ' share of group ' + r.group)
      setText(cells[3].lastChild, r.total === 0 ? '\u2014' : pct + ' %')
    })
  }

  function renderDecisions () {
    var tbody = $('decisions').tBodies[0]
    var list = s.decisions.slice(0, DECISIONS_SHOWN)
    syncRows(tbody, list.length, 8)
    list.forEach(function (d, i) {
      var cells = tbody.rows[i].cells
      setText(cells[0], clock(d.at))
      setClass(cells[0], 'time')
      setText(cells[1], d.queryId === null ? '\u2014' : d.queryId)
      setClass(cells[1], 'qid')
      setText(cells[2], d.user === null ? '\u2014' : d.user)
      setText(cells[3], d.group)
      setText(cells[4], d.cluster === null ? '\u2014' : d.cluster)
      setText(cells[5], d.coordinator === null ? '\u2014' : d.coordinator)
      setText(cells[6], d.mode)
      setText(cells[7], d.outcome + (d.detail ? ': ' + d.detail : ''))
      setClass(cells[7], 'outcome-' + d.outcome)
      for (var j = 0; j < 8; j++) cells[j].title = cells[j].textContent
    })
    $('no-decisions').hidden = list.length > 0
  }

  function syncRows (tbody, n, cols) {
    while (tbody.rows.length > n) tbody.deleteRow(-1)
    while (tbody.rows.length < n) {
      var tr = tbody.insertRow(-1)
      for (var i = 0; i < cols; i++) tr.appendChild(el('td'))
    }
  }

  // ---- actions (admin) -----------------------------------------------------------------

  var dialog = $('confirm')
  var okHandler = null

  function ask (title, text, okLabel, opts, onOk) {
    setText($('confirm-title'), title)
    setText($('confirm-text'), text)
    setText($('confirm-error'), '')
    setText($('confirm-ok'), okLabel)
    $('confirm-option').hidden = !(opts && opts.immediate)
    $('confirm-immediate').checked = false
    $('confirm-ok').disabled = false
    $('confirm-cancel').disabled = false
    okHandler = onOk
    if (!dialog.open) dialog.showModal()
    $('confirm-cancel').focus()
  }

  $('confirm-cancel').addEventListener('click', function () { dialog.close() })
  $('confirm-ok').addEventListener('click', function () { if (okHandler) okHandler() })
  dialog.addEventListener('close', function () { okHandler = null })

  function run (path, label, onDone, body, waiting) {
    var token = s.token
    if (!token) return
    $('confirm-ok').disabled = true
    $('confirm-cancel').disabled = true
    setText($('confirm-error'), waiting || '')
    s.pending = path
    api('POST', path, token, 0, body).then(function (r) {
      s.pending = null
      $('confirm-ok').disabled = false
      $('confirm-cancel').disabled = false
      if (r.ok) {
        s.changedAt = Date.now()
        dialog.close()
        say(label + ': done.', false)
        if (Array.isArray(s.clusters) && r.body && r.body.name) {
          s.clusters = s.clusters.map(function (c) { return c.name === r.body.name ? r.body : c })
          render()
        }
        return
      }
      onDone(r)
    }, function (err) {
      s.pending = null
      $('confirm-ok').disabled = false
      $('confirm-cancel').disabled = false
      setText($('confirm-error'), label + ' failed: ' + err.message + '.')
    })
  }

  function say (text, isError) {
    var m = $('action-msg')
    setText(m, clock(Date.now()) + ' \u2014 ' + text)
    setClass(m, 'action-msg' + (isError ? ' error' : ''))
  }

  function failIn (label) {
    return function (r) { setText($('confirm-error'), label + ' refused: ' + messageOf(r)) }
  }

  function groupOf (name) {
    var g = ''
    s.clusters.forEach(function (c) { if (c.name === name) g = c.group })
    return g
  }

  function confirmDrain (name) {
    var text = 'New queries stop going to ' + name + ' (routing group ' + groupOf(name) + ') on every gateway replica. Queries already running there go on.'
    ask('Drain cluster ' + name + '?', text, 'Drain ' + name, null, function () {
      var label = 'Drain ' + name
      run('admin/clusters/' + encodeURIComponent(name) + '/drain', label, function (r) {
        if (r.status === 409 && r.body && r.body.code === 'PHG_ERR_LAST_ACTIVE_CLUSTER') {
          ask('Drain the last active cluster of its group?', messageOf(r) + '. Queries of this group will fail until a cluster is activated.', 'Drain ' + name + ' anyway', null, function () {
            run('admin/clusters/' + encodeURIComponent(name) + '/drain?force=true', label, failIn(label))
          })
          return
        }
        failIn(label)(r)
      })
    })
  }

  function confirmActivate (name) {
    ask('Activate cluster ' + name + '?', name + ' takes new queries again once its primary is healthy.', 'Activate ' + name, null, function () {
      var label = 'Activate ' + name
      run('admin/clusters/' + encodeURIComponent(name) + '/activate', label, failIn(label))
    })
  }

  function confirmPrimary (cluster, coordinator) {
    var current = null
    s.clusters.forEach(function (c) { if (c.name === cluster) current = c.primary })
    var text = 'Make ' + coordinator + ' the primary of ' + cluster + (current ? ' instead of ' + current : '') + '. By default the gateway holds new queries of ' + cluster + ' until the old primary runs nothing, then moves the primary and the workers.'
    ask('Switch the primary of ' + cluster + '?', text, 'Make ' + coordinator + ' primary', { immediate: true }, function () {
      var label = 'Switch ' + cluster + ' to ' + coordinator
      var immediate = $('confirm-immediate').checked
      var path = 'admin/clusters/' + encodeURIComponent(cluster) + '/primary' + (immediate ? '?immediate=true' : '')
      run(path, label, failIn(label), { coordinator: coordinator }, 'Switching\u2026 the gateway waits until the old primary runs nothing.')
    })
  }

  $('token').focus()
})()
`
