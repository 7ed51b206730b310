import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'

// The gateway as a process: hot reload (file change and SIGHUP) and SIGTERM with a query in flight.

let emu: EmulatorHandle
let gw: ChildProcess
let url: string
let dir: string
let file: string
const lines: Array<Record<string, unknown>> = []
const waiters: Array<() => void> = []

function config (mode: string, extra = ''): string {
  return `server: { host: 127.0.0.1, port: 0, shutdownGraceMs: 4000 }
routing: { mode: ${mode} }
health: { intervalMs: 100, timeoutMs: 80 }
clusters:
  - name: blue
    coordinators: [{ name: blue-a, url: "${emu.url}" }]
${extra}`
}

async function logLine (predicate: (l: Record<string, unknown>) => boolean, what: string, from = 0): Promise<Record<string, unknown>> {
  for (;;) {
    const hit = lines.slice(from).find(predicate)
    if (hit !== undefined) return hit
    if (gw.exitCode !== null) throw new Error(`gateway exited before: ${what}`)
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000)
      waiters.push(() => { clearTimeout(t); resolve() })
    })
  }
}

async function post (): Promise<{ status: number, doc?: { nextUri?: string, data?: unknown[] } }> {
  const res = await request(`${url}/v1/statement`, { method: 'POST', body: 'SELECT n FROM t /* rows=10 pages=10 delayMs=100 */', headers: { 'x-trino-user': 'life' } })
  return res.statusCode === 200 ? { status: 200, doc: await res.body.json() as { nextUri?: string } } : (await res.body.dump(), { status: res.statusCode })
}

async function metric (name: string): Promise<number> {
  const text = await (await request(`${url}/metrics`)).body.text()
  return Number(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
}

before(async () => {
  emu = await startEmulator({ workers: 1 })
  dir = mkdtempSync(join(tmpdir(), 'phg-life-'))
  file = join(dir, 'gateway.yaml')
  writeFileSync(file, config('proxy'))
  gw = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] })
  let buf = ''
  gw.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      try { lines.push(JSON.parse(line) as Record<string, unknown>) } catch {}
    }
    for (const w of waiters.splice(0)) w()
  })
  const listening = await logLine((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'), 'listening')
  url = String(listening.msg).replace('Server listening at ', '')
  await logLine((l) => l.msg === 'primary elected', 'primary elected')
})

after(async () => {
  if (gw.exitCode === null) gw.kill('SIGKILL')
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

test('a bad config (file change or SIGHUP) is refused and routing goes on; a good one applies', async () => {
  let mark = lines.length
  writeFileSync(file, config('proxy', '    weight: -3\n'))
  await logLine((l) => l.msg === 'config reload failed: keeping the running configuration', 'failed reload (file)', mark)
  assert.equal((await post()).status, 200)
  mark = lines.length
  gw.kill('SIGHUP')
  await logLine((l) => l.msg === 'config reload failed: keeping the running configuration', 'failed reload (SIGHUP)', mark)
  assert.equal(await metric('phg_config_reloads_total{result="failed"}'), 2)
  assert.equal((await post()).status, 200, 'still proxy mode')

  mark = lines.length
  writeFileSync(file, config('redirect'))
  await logLine((l) => l.msg === 'config reloaded', 'applied reload', mark)
  assert.equal((await post()).status, 307, 'the new mode applies')
  mark = lines.length
  writeFileSync(file, config('proxy'))
  await logLine((l) => l.msg === 'config reloaded', 'back to proxy', mark)
})

test('SIGTERM: /readyz turns 503, a proxy-mode query in flight finishes, then the process exits', async () => {
  const first = await post()
  assert.equal(first.status, 200)
  let next = first.doc?.nextUri
  let pages = 0
  // Take a page or two, then ask the gateway to stop.
  while (next !== undefined && pages < 2) {
    const doc = await (await request(next, { headers: { 'x-trino-user': 'life' } })).body.json() as { nextUri?: string, data?: unknown[] }
    if (doc.data !== undefined) pages++
    next = doc.nextUri
  }
  const exited = new Promise<number | null>((resolve) => gw.once('exit', (code) => resolve(code)))
  gw.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 100))
  const ready = await request(`${url}/readyz`)
  await ready.body.dump()
  assert.equal(ready.statusCode, 503)
  while (next !== undefined) {
    const res = await request(next, { headers: { 'x-trino-user': 'life' } })
    assert.equal(res.statusCode, 200)
    const doc = await res.body.json() as { nextUri?: string, data?: unknown[] }
    if (doc.data !== undefined) pages++
    next = doc.nextUri
  }
  assert.equal(pages, 10, 'every page arrived')
  assert.equal(await exited, 0)
})
