// Emulated coordinators for a benchmark, several in one process (its own, pinned by the caller):
// `startEmulator` from src/emulator with a control port each (POST /faults/kill|restore|...).
// argv[2]: JSON { coordinators: [{ name, port?, workers?, queuedTimeoutMs? }] }
// Ready info: [{ name, url, port, controlUrl, suffix }]
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { serve } from '../lib/serve.js'

interface Spec { name: string, port?: number, workers?: number, queuedTimeoutMs?: number }

const spec = JSON.parse(process.argv[2] ?? '{"coordinators":[]}') as { coordinators: Spec[] }
const handles = new Map<string, EmulatorHandle>()
for (const c of spec.coordinators) {
  const h = await startEmulator({
    port: c.port ?? 0,
    host: '127.0.0.1',
    workers: c.workers ?? 0,
    // Benchmarks send many first POSTs that nobody polls: forget them soon, as a busy Trino with a
    // short query.client.timeout would, so the registry does not grow for the whole run.
    queuedTimeoutMs: c.queuedTimeoutMs ?? 5000,
    controlPort: 0
  })
  handles.set(c.name, h)
}

const info = [...handles].map(([name, h]) => ({ name, url: h.url, port: h.port, controlUrl: h.controlUrl, suffix: h.queryIdSuffix }))
process.stdout.write(`emulators ready ${JSON.stringify(info)}\n`)

serve({
  stats: async () => Object.fromEntries([...handles].map(([n, h]) => [n, h.stats()])),
  close: async () => {
    await Promise.all([...handles.values()].map(async (h) => { await h.close() }))
    return true
  }
}, info)
