import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Script } from 'node:vm'
import { request } from 'undici'
import type { Page } from 'playwright-core'
import { startGateway, until, allEligible, type Fixture } from '../helpers/gateway-fixture.js'
import { CLIENT_JS } from '../../src/dashboard/assets/client.js'
import { PAGE_HTML } from '../../src/dashboard/assets/page.js'
import { launchChromium, noBrowser, type Browser } from './browser.js'

// Functions given to page.evaluate / waitForFunction run in the browser: their DOM globals, typed
// loosely here (the project's lib has no DOM, on purpose).
declare const document: any, window: any, localStorage: any, sessionStorage: any

const ADMIN = 'admin-token-0123456789abcdef'
const VIEWER = 'viewer-token-0123456789abcdef'
// Bounded waits on the page's DOM: the page polls every second, health checks run every 100 ms.
const SOON = 8_000

async function api (url: string, method: 'GET' | 'POST', path: string, token?: string): Promise<{ status: number, headers: Record<string, unknown>, text: string, json: any }> {
  const res = await request(`${url}${path}`, { method, headers: token !== undefined ? { authorization: `Bearer ${token}` } : {} })
  const text = await res.body.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.statusCode, headers: res.headers, text, json }
}

/** Waits until the text of `selector` satisfies `want` (a string: equal; a RegExp source: matches). */
async function waitText (page: Page, selector: string, want: string | RegExp, timeout = SOON): Promise<string> {
  const pattern = want instanceof RegExp ? want.source : undefined
  const exact = typeof want === 'string' ? want : undefined
  try {
    await page.waitForFunction(({ selector, exact, pattern }) => {
      const t = document.querySelector(selector)?.textContent
      if (t === undefined || t === null) return false
      return exact !== undefined ? t === exact : new RegExp(pattern ?? '').test(t)
    }, { selector, exact, pattern }, { timeout })
  } catch (err) {
    const now = await page.textContent(selector).catch(() => null)
    throw new Error(`${selector}: waited ${timeout} ms for ${String(want)}, shows ${JSON.stringify(now)}`, { cause: err })
  }
  return (await page.textContent(selector)) ?? ''
}

describe('dashboard', { skip: noBrowser }, () => {
  let fx: Fixture
  let browser: Browser
  const pageErrors: string[] = []

  before(async () => {
    fx = await startGateway([{ name: 'blue' }, { name: 'green' }], {
      // Calmer than the fixture's 100 ms: a browser shares the machine, and a flapping primary
      // would change what the page must show. A killed coordinator is still down in 0.75 s.
      health: { intervalMs: 250, timeoutMs: 900, rise: 2, fall: 3 },
      admin: { tokens: [{ name: 'ops', token: ADMIN, role: 'admin' }, { name: 'oncall', token: VIEWER, role: 'viewer' }] }
    })
    await until(fx.app, allEligible, 'clusters eligible')
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await fx?.close()
  })

  /** A new tab, signed in with `token`, showing both clusters. */
  async function open (token: string, viewport?: { width: number, height: number }): Promise<Page> {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(SOON)
    if (viewport !== undefined) await page.setViewportSize(viewport)
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`))
    // CSP violations and script errors show up as console errors.
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`) })
    await page.goto(`${fx.url}/dashboard`)
    await page.fill('#token', token)
    await page.click('#connect')
    await page.waitForSelector('#status[data-state=live]', { timeout: SOON })
    await page.waitForSelector('section.cluster[data-cluster=blue] tbody tr', { timeout: SOON })
    await page.waitForSelector('section.cluster[data-cluster=green] tbody tr', { timeout: SOON })
    return page
  }

  test('GET /dashboard: one static page, its script and style from the gateway, under a strict CSP', async () => {
    const page = await api(fx.url, 'GET', '/dashboard')
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /default-src 'self'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/)
    assert.equal(page.headers['x-content-type-options'], 'nosniff')
    assert.equal(page.text, PAGE_HTML)
    // no inline script, no inline style, nothing from another origin
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/)
    assert.doesNotMatch(page.text, /\sstyle=|<style|\son[a-z]+=|https?:\/\//)
    for (const [path, type] of [['/dashboard/app.js', /^text\/javascript/], ['/dashboard/style.css', /^text\/css/], ['/dashboard/icon.svg', /^image\/svg\+xml/]] as const) {
      const res = await api(fx.url, 'GET', path)
      assert.equal(res.status, 200, path)
      assert.match(String(res.headers['content-type']), type)
      const again = await request(`${fx.url}${path}`, { headers: { 'if-none-match': String(res.headers.etag) } })
      await again.body.dump()
      assert.equal(again.statusCode, 304, `${path} revalidates`)
    }
    const slash = await api(fx.url, 'GET', '/dashboard/')
    assert.equal(slash.status, 308)
    assert.equal(slash.headers.location, '../dashboard', 'relative, like every URL of the page: works behind a path prefix')
    // The script is valid JavaScript and never writes markup.
    assert.doesNotThrow(() => new Script(CLIENT_JS))
    assert.doesNotMatch(CLIENT_JS, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|localStorage|sessionStorage|document\.cookie/)
    // The page needs no token; the data does.
    assert.equal((await api(fx.url, 'GET', '/admin/clusters')).status, 401)
  })

  test('GET /admin/whoami and GET /admin/decisions follow the admin API rules', async () => {
    assert.equal((await api(fx.url, 'GET', '/admin/whoami')).status, 401)
    assert.equal((await api(fx.url, 'GET', '/admin/decisions', 'wrong-token-0123456789abcdef')).status, 401)
    assert.deepEqual((await api(fx.url, 'GET', '/admin/whoami', VIEWER)).json, { name: 'oncall', role: 'viewer' })
    assert.deepEqual((await api(fx.url, 'GET', '/admin/whoami', ADMIN)).json, { name: 'ops', role: 'admin' })
    const res = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': 'alice' } })
    await res.body.dump()
    const d = await api(fx.url, 'GET', '/admin/decisions?limit=5', VIEWER)
    assert.equal(d.status, 200)
    assert.ok(Math.abs(d.json.now - Date.now()) < 5000)
    const first = d.json.decisions[0]
    assert.equal(first.user, 'alice')
    assert.equal(first.outcome, 'routed')
    assert.equal(first.mode, 'redirect')
    assert.ok(['blue', 'green'].includes(first.cluster))
    assert.equal(first.coordinator, `${first.cluster as string}-a`)
    assert.equal(first.queryId, null, 'redirect mode never learns the query id')
    assert.equal((await api(fx.url, 'GET', '/admin/decisions?limit=0', VIEWER)).status, 400)
  })

  let admin: Page

  test('an admin token shows both clusters: state, group, primary, epoch, load with its age, coordinators', async () => {
    admin = await open(ADMIN)
    assert.equal(await admin.textContent('#who'), 'Signed in as ops (admin)')
    assert.deepEqual(await admin.$$eval('section.cluster', (s) => s.map((e) => (e as any).dataset.cluster)), ['blue', 'green'])
    for (const c of ['blue', 'green']) {
      const card = `#cluster-${c}`
      assert.equal(await admin.textContent(`${card} [data-field=state]`), 'active')
      assert.equal(await admin.textContent(`${card} [data-field=group]`), 'adhoc')
      assert.equal(await admin.textContent(`${card} [data-field=primary]`), `${c}-a`)
      assert.equal(await admin.textContent(`${card} [data-field=epoch]`), '1')
      assert.match(await admin.textContent(`${card} [data-field=failover]`) ?? '', new RegExp(`^none \\(${c}-a primary since \\d\\d:\\d\\d:\\d\\d\\)$`))
      assert.ok(!await admin.$eval(card, (e) => e.classList.contains('recent-failover')))
      assert.equal(await admin.textContent(`${card} .eligibility`), 'Takes new queries')
      assert.equal(await admin.textContent(`${card} [data-field=transactions]`), '0 open')
      await waitText(admin, `${card} [data-field=load]`, /^\d+ running · \d+ queued · 2 workers$/)
      assert.match((await admin.textContent(`${card} [data-field=load-age]`)) ?? '', /^\d\d:\d\d:\d\d \(\d+\.\d s ago\)$/)
      const rows = await admin.$$eval(`${card} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].slice(0, 3).map((x) => x.textContent)))
      assert.deepEqual(rows, [[`${c}-a`, 'primary', 'up'], [`${c}-b`, 'standby', 'up']])
      assert.match((await admin.textContent(`${card} tbody tr [data-field=last-check]`)) ?? '', /^\d+\.\d s ago$/)
      assert.match((await admin.getAttribute(`${card} tbody tr [data-field=last-check]`, 'title')) ?? '', /^checked at \d\d:\d\d:\d\d$/)
    }
    // Table headers for every column; buttons say what they do.
    assert.deepEqual(await admin.$$eval('#cluster-blue thead th', (ths) => ths.map((t) => t.textContent)), ['Coordinator', 'Role', 'Health', 'Last check'])
    assert.equal(await admin.getAttribute('#cluster-blue button[data-action=drain]', 'aria-label'), 'Drain cluster blue')
    assert.equal(await admin.getAttribute('#cluster-blue button[data-action=primary][data-coordinator=blue-b]', 'aria-label'), 'Make blue-b the primary of blue')
    assert.ok(await admin.isHidden('#cluster-blue button[data-action=primary][data-coordinator=blue-a]'), 'no button to make the primary primary')
    assert.ok(await admin.isHidden('#cluster-blue button[data-action=activate]'), 'an active cluster offers drain, not activate')
  })

  test('recent decisions and each cluster\'s share of its group show up, every value as text', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">'
    for (const user of ['bob', 'carol', hostile]) {
      const res = await request(`${fx.url}/v1/statement`, { method: 'POST', body: 'SELECT 1', headers: { 'x-trino-user': user } })
      await res.body.dump()
    }
    await waitText(admin, '#decisions tbody tr:first-child td:nth-child(3)', hostile)
    assert.equal(await admin.$$eval('#decisions tbody tr:first-child td', (tds) => tds.length), 8)
    assert.equal(await admin.$$eval('main img', (imgs) => imgs.length), 0)
    assert.equal(await admin.evaluate(() => window.pwned), undefined)
    const first = await admin.$$eval('#decisions tbody tr:first-child td', (tds) => tds.map((t) => t.textContent))
    assert.equal(first[3], 'adhoc')
    assert.ok(['blue', 'green'].includes(first[4] ?? ''))
    assert.equal(first[5], `${first[4] ?? ''}-a`)
    assert.equal(first[6], 'redirect')
    assert.equal(first[7], 'routed')
    const share = await admin.$$eval('#share tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((t) => t.textContent)))
    assert.deepEqual(share.map((r) => `${r[0] ?? ''}/${r[1] ?? ''}`), ['adhoc/blue', 'adhoc/green'])
    assert.equal(share.reduce((n, r) => n + Number(r[2]), 0), 4)
    const pcts = share.map((r) => Number(/^(\d+) %$/.exec(r[3] ?? '')?.[1]))
    assert.ok(Math.abs(pcts[0]! + pcts[1]! - 100) <= 1, `shares add up: ${String(pcts)}`)
    assert.match(await admin.textContent('#share caption') ?? '', /last 4 routed queries/)
  })

  test('killing a primary changes the shown primary within a few seconds', async () => {
    const started = Date.now()
    await fx.emulators['blue-a']?.faults.kill()
    await waitText(admin, '#cluster-blue [data-field=primary]', 'blue-b')
    const took = Date.now() - started
    await waitText(admin, '#cluster-blue tr[data-coordinator=blue-a] [data-field=health]', 'down')
    assert.equal(await admin.textContent('#cluster-blue tr[data-coordinator=blue-b] [data-field=role]'), 'primary')
    assert.equal(await admin.textContent('#cluster-blue tr[data-coordinator=blue-a] [data-field=role]'), 'standby')
    await waitText(admin, '#cluster-blue [data-field=failover]', /^blue-a → blue-b at \d\d:\d\d:\d\d \(.+ ago\), epoch 2, /)
    await waitText(admin, '#cluster-blue .errors li', /^blue-a: .+/)
    assert.equal(await admin.textContent('#cluster-blue [data-field=epoch]'), '2')
    assert.ok(await admin.$eval('#cluster-blue', (e) => e.classList.contains('recent-failover')))
    assert.ok(took < SOON, `shown after ${took} ms`)
  })

  test('refreshes do not move the layout', async () => {
    const boxes = async (): Promise<unknown> => await admin.$$eval('#status, section.cluster, section.cluster table, #share, #decisions', (els) => els.map((e) => {
      const r = e.getBoundingClientRect()
      return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)]
    }))
    const before = await boxes()
    for (let i = 0; i < 2; i++) {
      const was = await admin.textContent('#status-detail')
      await admin.waitForFunction((w) => document.querySelector('#status-detail')?.textContent !== w, was, { timeout: SOON })
    }
    assert.deepEqual(await boxes(), before)
  })

  test('drain through the page\'s button, confirmed, changes the state on the page and in the API', async () => {
    await admin.click('#cluster-green button[data-action=drain]')
    await admin.waitForSelector('#confirm[open]', { timeout: SOON })
    assert.equal(await admin.textContent('#confirm-title'), 'Drain cluster green?')
    // Cancel changes nothing.
    await admin.click('#confirm-cancel')
    await admin.waitForSelector('#confirm', { state: 'hidden', timeout: SOON })
    assert.equal((await api(fx.url, 'GET', '/admin/clusters/green', VIEWER)).json.state, 'active')

    await admin.click('#cluster-green button[data-action=drain]')
    await admin.waitForSelector('#confirm[open]', { timeout: SOON })
    assert.equal(await admin.textContent('#confirm-ok'), 'Drain green')
    await admin.click('#confirm-ok')
    await admin.waitForSelector('#confirm', { state: 'hidden', timeout: SOON })
    await waitText(admin, '#cluster-green [data-field=state]', /^(draining|drained)$/)
    assert.match((await api(fx.url, 'GET', '/admin/clusters/green', VIEWER)).json.state, /^(draining|drained)$/)
    await waitText(admin, '#cluster-green [data-field=state]', 'drained')
    await waitText(admin, '#cluster-green .eligibility', /^No new queries: /)
    await waitText(admin, '#action-msg', /Drain green: done\.$/)
    assert.ok(await admin.isHidden('#cluster-green button[data-action=drain]'))
    assert.ok(await admin.isVisible('#cluster-green button[data-action=activate]'))
    assert.equal(fx.app.gateway.registry.get('green')?.adminState, 'draining')
  })

  test('activate through the page\'s button undoes the drain', async () => {
    await admin.click('#cluster-green button[data-action=activate]')
    await admin.waitForSelector('#confirm[open]', { timeout: SOON })
    await admin.click('#confirm-ok')
    await waitText(admin, '#cluster-green [data-field=state]', 'active')
    assert.equal((await api(fx.url, 'GET', '/admin/clusters/green', VIEWER)).json.state, 'active')
  })

  test('switch the primary through the page\'s button (at once)', async () => {
    await admin.click('#cluster-green button[data-action=primary][data-coordinator=green-b]')
    await admin.waitForSelector('#confirm[open]', { timeout: SOON })
    assert.ok(await admin.isVisible('#confirm-immediate'))
    await admin.check('#confirm-immediate')
    await admin.click('#confirm-ok')
    await waitText(admin, '#cluster-green [data-field=primary]', 'green-b')
    assert.equal((await api(fx.url, 'GET', '/admin/clusters/green', VIEWER)).json.primary, 'green-b')
    assert.ok(await admin.isHidden('#cluster-green button[data-action=primary][data-coordinator=green-b]'))
  })

  test('a viewer token sees everything but no button that changes anything', async () => {
    const viewer = await open(VIEWER)
    assert.equal(await viewer.textContent('#who'), 'Signed in as oncall (viewer)')
    await waitText(viewer, '#cluster-blue [data-field=primary]', 'blue-b')
    assert.equal(await viewer.$$eval('main button, section.cluster button', (b) => b.length), 0)
    assert.ok(await viewer.isVisible('#decisions tbody tr'))
    await viewer.close()
  })

  test('a wrong token is refused on the page and shows no data', async () => {
    const page = await browser.context.newPage()
    await page.goto(`${fx.url}/dashboard`)
    await page.fill('#token', 'wrong-token-0123456789abcdef')
    await page.click('#connect')
    await page.waitForSelector('#status[data-state=rejected]', { timeout: SOON })
    assert.match(await page.textContent('#status-text') ?? '', /not accepted/)
    assert.equal(await page.$$eval('section.cluster', (s) => s.length), 0)
    await page.close()
  })

  test('works at a phone\'s width: nothing wider than the screen', async () => {
    const phone = await open(ADMIN, { width: 390, height: 844 })
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scrolling of the page')
    for (const c of ['blue', 'green']) {
      const box = await phone.$eval(`#cluster-${c}`, (e) => e.getBoundingClientRect().right)
      assert.ok(box <= 390, `${c} card fits: right edge ${box}`)
    }
    assert.ok(await phone.isVisible('#cluster-green button[data-action=primary][data-coordinator=green-a]'))
    await phone.close()
  })

  test('the token lives in the tab\'s memory only', async () => {
    assert.equal(await admin.inputValue('#token'), '')
    const stored = await admin.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }))
    assert.deepEqual(stored, { local: 0, session: 0, cookie: '' })
    assert.equal((await browser.context.cookies()).length, 0)
    assert.deepEqual(pageErrors, [], 'no script error and no CSP violation on any page')
  })

  test('when the gateway stops answering the page says so, with the time of the last good answer', async () => {
    await fx.app.close()
    await admin.waitForSelector('#status[data-state=lost]', { timeout: SOON })
    const text = await admin.textContent('#status-text') ?? ''
    assert.match(text, /The gateway is not answering .*last good answer at \d\d:\d\d:\d\d/)
    assert.equal(await admin.getAttribute('#status-text', 'aria-live'), 'polite')
    assert.ok(await admin.$eval('main', (m) => m.classList.contains('stale')))
    await waitText(admin, '#status-detail', /^Failing since \d\d:\d\d:\d\d; last good answer \d+ s ago; retrying every second/)
  })
})
