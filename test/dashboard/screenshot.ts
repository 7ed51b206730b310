// Takes the README's screenshots of the dashboard: `npx tsx test/dashboard/screenshot.ts [outDir]`
// (default docs/). Not part of `npm test`. Emulated clusters, a few queries, then a failover.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startGateway, until, allEligible } from '../helpers/gateway-fixture.js'
import { runRaw } from '../helpers/raw-client.js'
import { launchChromium } from './browser.js'

// waitForFunction's functions run in the browser (the project's lib has no DOM types).
declare const document: any

const ADMIN = 'screenshot-admin-token-0123456789'
const out = process.argv[2] ?? 'docs'

// Functions, not strings: the page's CSP forbids evaluating strings.
async function waitFor (page: Page, fn: () => boolean, timeout = 15_000): Promise<void> {
  await page.waitForFunction(fn, undefined, { timeout })
}

async function queries (url: string, users: string[]): Promise<void> {
  for (const user of users) {
    const run = await runRaw(url, 'SELECT 1, \'a\'', { 'x-trino-user': user })
    if (run.error !== undefined) throw new Error(`query as ${user}: ${run.error}`)
  }
}

const fx = await startGateway([{ name: 'blue' }, { name: 'green' }, { name: 'orange', group: 'etl' }], {
  routing: { mode: 'handoff', rules: [{ name: 'etl', match: { user: '^etl_' }, group: 'etl' }] },
  admin: { tokens: [{ name: 'ops', token: ADMIN, role: 'admin' }] },
  health: { intervalMs: 500, timeoutMs: 300, rise: 2, fall: 2 }
})
const browser = await launchChromium()
try {
  await until(fx.app, allEligible, 'clusters eligible')
  await mkdir(out, { recursive: true })
  await queries(fx.url, ['alice', 'bob', 'etl_nightly', 'carol', 'alice', 'superset', 'etl_hourly', 'bob', 'dana', 'alice', 'superset', 'etl_nightly'])

  const page = await browser.context.newPage()
  await page.goto(`${fx.url}/dashboard`)
  await page.fill('#token', ADMIN)
  await page.click('#connect')
  await waitFor(page, () => document.querySelectorAll('section.cluster tbody tr').length === 6 && document.querySelectorAll('#decisions tbody tr').length === 12)
  await waitFor(page, () => [...document.querySelectorAll('[data-field=load]')].every((e) => /workers/.test(e.textContent ?? '')))
  await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true })

  await fx.emulators['blue-a']?.faults.kill()
  await waitFor(page, () => document.querySelector('#cluster-blue [data-field=primary]')?.textContent === 'blue-b')
  await queries(fx.url, ['alice', 'etl_hourly', 'bob'])
  await waitFor(page, () => document.querySelector('#decisions tbody tr:first-child td:nth-child(3)')?.textContent === 'bob' &&
    document.querySelector('#cluster-blue tr[data-coordinator=blue-a] [data-field=health]')?.textContent === 'down')
  await page.screenshot({ path: join(out, 'dashboard-failover.png'), fullPage: true })

  const phone = await browser.context.newPage()
  await phone.setViewportSize({ width: 390, height: 844 })
  await phone.goto(`${fx.url}/dashboard`)
  await phone.fill('#token', ADMIN)
  await phone.click('#connect')
  await waitFor(phone, () => document.querySelectorAll('section.cluster tbody tr').length === 6)
  await phone.screenshot({ path: join(out, 'dashboard-phone.png') })
  console.log(`screenshots written to ${out}/`)
} finally {
  await browser.close()
  await fx.close()
}
