// Emulated workers for the failover scenario: `startWorkerAnnouncer` (src/emulator) announcing to a
// discovery URI — the gateway's discovery port or the HAProxy front, never a coordinator directly.
// argv[2]: JSON { discoveryUri, count, intervalMs, style }. Worker i starts i × interval / count
// after the first, so their re-announcements are spread over the interval as a real cluster's are.
import { startWorkerAnnouncer, type WorkerAnnouncer } from '../../src/emulator/index.js'
import { serve } from '../lib/serve.js'

const spec = JSON.parse(process.argv[2] ?? '{}') as { discoveryUri: string, count: number, intervalMs: number, style: 'airlift' | 'announce' }
const workers: WorkerAnnouncer[] = []
const timers: NodeJS.Timeout[] = []
const options = (i: number): Parameters<typeof startWorkerAnnouncer>[0] => ({
  discoveryUri: spec.discoveryUri,
  nodeId: `worker-${i + 1}`,
  environment: 'test',
  style: spec.style,
  intervalMs: spec.intervalMs,
  workerUri: `http://127.0.0.1:${9000 + i}/worker-${i + 1}`
})
for (let i = 0; i < spec.count; i++) {
  if (i === 0) {
    workers.push(startWorkerAnnouncer(options(i)))
    continue
  }
  // Every worker is known at once (a first announcement now), but re-announces on its own phase.
  const first = startWorkerAnnouncer({ ...options(i), intervalMs: 3_600_000 })
  timers.push(setTimeout(() => {
    first.stop().catch(() => {})
    workers.push(startWorkerAnnouncer(options(i)))
  }, Math.round(i * spec.intervalMs / spec.count)))
}

serve({
  status: async () => workers.map((w) => w.last()),
  stop: async () => {
    for (const t of timers) clearTimeout(t)
    await Promise.all(workers.map(async (w) => { await w.stop() }))
    return true
  }
})
