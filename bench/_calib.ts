import { installCleanup, killAll } from './lib/procs.js'
import { gatewayConfig, startBaseline, startEmulators, startGateway, startLoadgen, startPinnedRedis } from './lib/topology.js'
import type { CannonResult } from './procs/loadgen.js'
installCleanup((r) => console.error(r))
const t0 = Date.now()
const redis = await startPinnedRedis()
const [emu, lg] = await Promise.all([startEmulators('emu', [{ name: 'bench-a', workers: 2 }, { name: 'bench-b', workers: 2 }]), startLoadgen()])
console.log('rig up', Date.now() - t0)
const a = emu.coordinators.get('bench-a')!
const b = emu.coordinators.get('bench-b')!
const mode = (process.argv[2] ?? 'redirect') as 'redirect'
const [gw, base] = await Promise.all([
  startGateway('gw', gatewayConfig({ mode, redisUrl: redis.url, clusters: [{ name: 'bench', coordinators: [{ name: 'bench-a', url: a.url }, { name: 'bench-b', url: b.url }] }] })),
  startBaseline('b307', 'redirect', a.url)
])
console.log('gw up', Date.now() - t0)
const job = (base: string, conns: number, dur: number, rate?: number) => ({ base, method: 'POST', path: '/v1/statement', headers: { 'x-trino-user': 'bench', 'content-type': 'text/plain' }, body: 'SELECT 1', connections: conns, durationS: dur, rate, expect: [307, 200] })
for (const [n, u] of [['gw', gw.url], ['base', base.url], ['emu', a.url]] as const) {
  const r = await lg.call<CannonResult>('cannon', job(u, 64, 3), 60_000)
  console.log(n, 'closed64', Math.round(r.rps), 'p50', r.lat.p50.toFixed(2), 'p99', r.lat.p99.toFixed(2), 'lgcpu', (r.cpuSeconds / r.seconds).toFixed(2), JSON.stringify(r.unexpected), r.errors)
}
for (const [n, u] of [['gw', gw.url], ['base', base.url], ['emu', a.url]] as const) {
  const r = await lg.call<CannonResult>('cannon', job(u, 32, 3, 1000), 60_000)
  console.log(n, 'paced1000', Math.round(r.rps), 'p50', r.lat.p50.toFixed(3), 'p99', r.lat.p99.toFixed(3), 'late', r.late, r.backlogMax, 'lgcpu', (r.cpuSeconds / r.seconds).toFixed(2))
}
await killAll()
await redis.stop()
