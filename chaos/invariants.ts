// The invariants of coordinator HA, checked after the run from the evidence the run collected:
// every replica generation's log lines ("query routed", "primary changed/elected", "coordinator
// health changed") and the samples of the replicas' admin views and of Redis.
//
// Time: log lines carry their process's Date.now(); all processes share one clock, so the only
// error is event-loop lag between an event and its log line. TOLERANCE covers it. H is
// health.intervalMs: a replica learns an election by pub/sub at once, or at its next heartbeat
// (every H) if a message was lost.
import type { LogLine } from '../test/helpers/gateway-process.js'
import type { Sample } from './sampler.js'

export interface GenInput {
  label: string
  replica: string
  startedAt: number
  /** when the harness asked it to stop; undefined if it ran to the end */
  stopRequestedAt: number | undefined
  logs: readonly LogLine[]
}

export interface InvariantSettings {
  intervalMs: number
  toleranceMs: number
  samplePeriodMs: number
}

export type InvariantId = 'one-primary-per-epoch' | 'no-route-to-replaced' | 'no-route-to-down' | 'no-split-routing' | 'agreement-latency' | 'sampled-agreement' | 'epochs-grow' | 'end-state'

export interface Violation { invariant: InvariantId, at: number, detail: string }

export interface InvariantResult {
  id: InvariantId
  title: string
  /** how much evidence the check looked at */
  checked: string
  violations: Violation[]
}

export interface Election { gen: string, replica: string, time: number, index: number, cluster: string, from: string | undefined, to: string, epoch: number, reason: string }
export interface Routed { gen: string, replica: string, time: number, index: number, cluster: string, coordinator: string, epoch: number, mode: string, queryId: string | undefined }

/** One agreed primary: the first moment any replica installed it. */
export interface Agreed { cluster: string, epoch: number, coordinator: string, at: number, reason: string, from: string | undefined }

export interface Evidence {
  elections: Election[]
  routed: Routed[]
  timeline: Map<string, Agreed[]>
}

const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
const num = (v: unknown): number | undefined => typeof v === 'number' ? v : undefined

export function extract (gens: readonly GenInput[]): Evidence {
  const elections: Election[] = []
  const routed: Routed[] = []
  for (const g of gens) {
    g.logs.forEach((l, index) => {
      if (l.event === 'election') {
        const cluster = str(l.cluster)
        const to = str(l.to)
        const epoch = num(l.epoch)
        if (cluster !== undefined && to !== undefined && epoch !== undefined) {
          elections.push({ gen: g.label, replica: g.replica, time: l.time, index, cluster, from: str(l.from), to, epoch, reason: str(l.reason) ?? '' })
        }
      } else if (l.msg === 'query routed') {
        const cluster = str(l.cluster)
        const coordinator = str(l.coordinator)
        const epoch = num(l.epoch)
        if (cluster !== undefined && coordinator !== undefined && epoch !== undefined) {
          routed.push({ gen: g.label, replica: g.replica, time: l.time, index, cluster, coordinator, epoch, mode: str(l.mode) ?? '?', queryId: str(l.queryId) })
        }
      }
    })
  }
  const byKey = new Map<string, Agreed>()
  for (const e of elections) {
    if (e.epoch < 1) continue
    const key = `${e.cluster}\u0000${e.epoch}`
    const have = byKey.get(key)
    if (have === undefined || e.time < have.at) byKey.set(key, { cluster: e.cluster, epoch: e.epoch, coordinator: e.to, at: e.time, reason: have?.reason ?? e.reason, from: e.from })
  }
  // The reason: the winner's (the others say "agreed by another replica").
  for (const e of elections) {
    const a = byKey.get(`${e.cluster}\u0000${e.epoch}`)
    if (a !== undefined && !e.reason.startsWith('agreed by another replica') && a.reason.startsWith('agreed by another replica')) a.reason = e.reason
  }
  const timeline = new Map<string, Agreed[]>()
  for (const a of byKey.values()) {
    const list = timeline.get(a.cluster) ?? []
    list.push(a)
    timeline.set(a.cluster, list)
  }
  for (const list of timeline.values()) list.sort((x, y) => x.epoch - y.epoch)
  return { elections, routed, timeline }
}

/** The latest agreed primary installed by some replica at or before t. */
function agreedAt (timeline: Map<string, Agreed[]>, cluster: string, t: number): Agreed | undefined {
  let best: Agreed | undefined
  for (const a of timeline.get(cluster) ?? []) if (a.at <= t && (best === undefined || a.epoch > best.epoch)) best = a
  return best
}

const iso = (t: number): string => new Date(t).toISOString().slice(11, 23)

export function checkInvariants (gens: readonly GenInput[], samples: readonly Sample[], s: InvariantSettings): { results: InvariantResult[], evidence: Evidence } {
  const ev = extract(gens)
  const grace = s.intervalMs + s.toleranceMs
  const results: InvariantResult[] = []

  // 1. Per (cluster, epoch) one coordinator, in every election and routed line of every replica.
  {
    // (cluster, epoch) → coordinator → its first evidence
    const seen = new Map<string, Map<string, { where: string, at: number }>>()
    const note = (cluster: string, epoch: number, coordinator: string, where: string, at: number): void => {
      if (epoch < 1) return
      const key = `${cluster} epoch ${epoch}`
      const m = seen.get(key) ?? new Map<string, { where: string, at: number }>()
      if (!m.has(coordinator)) m.set(coordinator, { where, at })
      seen.set(key, m)
    }
    for (const e of ev.elections) note(e.cluster, e.epoch, e.to, `${e.gen} installed it at ${iso(e.time)}`, e.time)
    for (const r of ev.routed) note(r.cluster, r.epoch, r.coordinator, `${r.gen} routed a ${r.mode} query${r.queryId !== undefined ? ` (${r.queryId})` : ''} to it at ${iso(r.time)}`, r.time)
    const violations: Violation[] = []
    for (const [key, m] of seen) {
      if (m.size > 1) violations.push({ invariant: 'one-primary-per-epoch', at: Math.max(...[...m.values()].map((x) => x.at)), detail: `${key}: ${[...m].map(([c, w]) => `${c} (${w.where})`).join(' vs ')}` })
    }
    results.push({ id: 'one-primary-per-epoch', title: 'One coordinator per (cluster, epoch) in every election and routed line', checked: `${seen.size} (cluster, epoch) pairs, ${ev.elections.length} election lines, ${ev.routed.length} routed lines`, violations })
  }

  // 2. No new query routed to a coordinator after another one was agreed (plus the grace).
  {
    const violations: Violation[] = []
    for (const r of ev.routed) {
      const a = agreedAt(ev.timeline, r.cluster, r.time - grace)
      if (a !== undefined && a.epoch > r.epoch && a.coordinator !== r.coordinator) {
        violations.push({ invariant: 'no-route-to-replaced', at: r.time, detail: `${r.gen} routed a ${r.mode} query${r.queryId !== undefined ? ` (${r.queryId})` : ''} of ${r.cluster} to ${r.coordinator} (epoch ${r.epoch}) at ${iso(r.time)}, ${r.time - a.at} ms after ${a.coordinator} was agreed primary at epoch ${a.epoch}` })
      }
    }
    results.push({ id: 'no-route-to-replaced', title: `No new query routed to a coordinator more than H + tolerance (${grace} ms) after another was agreed primary`, checked: `${ev.routed.length} routed lines against ${[...ev.timeline.values()].reduce((n, l) => n + l.length, 0)} agreed primaries`, violations })
  }

  // 3. A replica never routes a new query to a coordinator it sees down (log order within one process).
  {
    const violations: Violation[] = []
    let checked = 0
    for (const g of gens) {
      const health = new Map<string, string>()
      for (const l of g.logs) {
        if (l.msg === 'coordinator health changed') {
          const c = str(l.coordinator)
          const to = str(l.to)
          if (c !== undefined && to !== undefined) health.set(c, to)
        } else if (l.msg === 'query routed') {
          checked++
          const c = str(l.coordinator) ?? '?'
          const h = health.get(c) ?? 'unknown'
          if (h !== 'up') violations.push({ invariant: 'no-route-to-down', at: l.time, detail: `${g.label} routed a ${str(l.mode) ?? '?'} query${str(l.queryId) !== undefined ? ` (${str(l.queryId) ?? ''})` : ''} to ${c} at ${iso(l.time)} while its last health line for ${c} said ${h}` })
        }
      }
    }
    results.push({ id: 'no-route-to-down', title: 'No replica routes a new query to a coordinator its own last health line says is not up', checked: `${checked} routed lines`, violations })
  }

  // 4. Two replicas never route one cluster to different coordinators for longer than H + tolerance.
  {
    interface Segment { gen: string, replica: string, cluster: string, coordinator: string, start: number, end: number }
    const segments: Segment[] = []
    for (const g of gens) {
      const open = new Map<string, Segment>()
      for (const l of g.logs) {
        const cluster = str(l.cluster)
        if (cluster === undefined) continue
        if (l.event === 'election') {
          const seg = open.get(cluster)
          if (seg !== undefined) segments.push(seg)
          open.delete(cluster)
        } else if (l.msg === 'query routed') {
          const c = str(l.coordinator) ?? '?'
          const seg = open.get(cluster)
          if (seg !== undefined && seg.coordinator === c) {
            seg.end = l.time
          } else {
            if (seg !== undefined) segments.push(seg)
            open.set(cluster, { gen: g.label, replica: g.replica, cluster, coordinator: c, start: l.time, end: l.time })
          }
        }
      }
      segments.push(...open.values())
    }
    const violations: Violation[] = []
    let pairs = 0
    for (let i = 0; i < segments.length; i++) {
      const a = segments[i] as Segment
      for (let j = i + 1; j < segments.length; j++) {
        const b = segments[j] as Segment
        if (a.cluster !== b.cluster || a.replica === b.replica || a.coordinator === b.coordinator) continue
        pairs++
        const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start)
        if (overlap > grace) {
          violations.push({ invariant: 'no-split-routing', at: Math.max(a.start, b.start), detail: `${a.cluster}: ${a.gen} routed to ${a.coordinator} ${iso(a.start)}–${iso(a.end)} while ${b.gen} routed to ${b.coordinator} ${iso(b.start)}–${iso(b.end)} (${overlap} ms together)` })
        }
      }
    }
    results.push({ id: 'no-split-routing', title: `Two replicas never route one cluster to different coordinators for longer than H + tolerance (${grace} ms)`, checked: `${segments.length} routing segments, ${pairs} cross-replica pairs with different coordinators`, violations })
  }

  // 5. Every replica that was running installs each agreed primary within H + tolerance; a
  //    restarted replica starts with the agreed primaries.
  {
    const violations: Violation[] = []
    let checked = 0
    for (const list of ev.timeline.values()) {
      for (const a of list) {
        for (const g of gens) {
          if (g.startedAt > a.at) continue
          if (g.stopRequestedAt !== undefined && g.stopRequestedAt < a.at + grace) continue
          checked++
          const line = ev.elections.find((e) => e.gen === g.label && e.cluster === a.cluster && e.epoch >= a.epoch)
          if (line === undefined || line.time > a.at + grace) {
            violations.push({ invariant: 'agreement-latency', at: a.at, detail: `${g.label} installed ${a.cluster} epoch ${a.epoch} (${a.coordinator}) ${line === undefined ? 'never' : `${line.time - a.at} ms`} after the first replica did (${iso(a.at)})` })
          }
        }
      }
    }
    for (const g of gens) {
      if (g.label.endsWith('#1')) continue
      for (const [cluster] of ev.timeline) {
        const expected = agreedAt(ev.timeline, cluster, g.startedAt - s.toleranceMs)
        if (expected === undefined) continue
        checked++
        const first = ev.elections.find((e) => e.gen === g.label && e.cluster === cluster)
        if (first === undefined || first.epoch < expected.epoch) {
          violations.push({ invariant: 'agreement-latency', at: g.startedAt, detail: `${g.label} started with ${cluster} ${first === undefined ? 'without a primary' : `at ${first.to} epoch ${first.epoch}`}, while ${expected.coordinator} epoch ${expected.epoch} was agreed` })
        }
      }
    }
    results.push({ id: 'agreement-latency', title: `Every running replica installs each agreed primary within H + tolerance (${grace} ms) of the first; a restarted replica starts with the agreed primaries`, checked: `${checked} (agreed primary, replica) pairs`, violations })
  }

  // 6. Sampled: the replicas (and Redis, when it holds a value) never disagree on a cluster's
  //    primary, nor take new queries for it on different primaries, for longer than H + tolerance + one sample period.
  {
    const violations: Violation[] = []
    const clusters = new Set<string>()
    for (const smp of samples) for (const v of smp.replicas.values()) for (const c of v.keys()) clusters.add(c)
    const limit = grace + s.samplePeriodMs
    let checked = 0
    for (const cluster of clusters) {
      for (const kind of ['primary', 'eligible'] as const) {
        let runStart: number | undefined
        let runDetail = ''
        let worst = 0
        const close = (end: number): void => {
          if (runStart !== undefined) {
            const len = end - runStart
            if (len > limit) violations.push({ invariant: 'sampled-agreement', at: runStart, detail: `${cluster}: ${kind === 'primary' ? 'replicas/Redis disagreed on the primary' : 'replicas took new queries on different primaries'} for ${len} ms from ${iso(runStart)} (${runDetail})` })
            worst = Math.max(worst, len)
          }
          runStart = undefined
        }
        for (const smp of samples) {
          checked++
          const views: string[] = []
          for (const [gen, v] of smp.replicas) {
            const c = v.get(cluster)
            if (c === undefined) continue
            if (kind === 'primary') views.push(`${gen}=${c.primary ?? 'none'}@${c.epoch}`)
            else if (c.eligible) views.push(`${gen}=${c.primary ?? 'none'}`)
          }
          const values = new Set(views.map((x) => x.slice(x.indexOf('=') + 1)))
          if (kind === 'primary') {
            const r = smp.redis?.get(cluster)
            if (r !== undefined && r.coordinator !== null && r.epoch > 0) {
              values.add(`${r.coordinator}@${r.epoch}`)
              views.push(`redis=${r.coordinator}@${r.epoch}`)
            }
          }
          if (values.size > 1) {
            if (runStart === undefined) {
              runStart = smp.at
              runDetail = views.join(', ')
            }
          } else {
            close(smp.at)
          }
        }
        const last = samples[samples.length - 1]
        if (last !== undefined) close(last.at + s.samplePeriodMs)
      }
    }
    results.push({ id: 'sampled-agreement', title: `Sampled every ${s.samplePeriodMs} ms: replicas and Redis agree on each primary, and never take new queries for one cluster on different primaries, beyond H + tolerance + one period (${limit} ms)`, checked: `${samples.length} samples × ${clusters.size} clusters (${checked} cluster samples per view)`, violations })
  }

  // 7. Epochs only grow: in each replica, in the agreed order, and in Redis (across its empty restart).
  {
    const violations: Violation[] = []
    let checked = 0
    for (const g of gens) {
      const last = new Map<string, number>()
      for (const e of ev.elections) {
        if (e.gen !== g.label) continue
        checked++
        const prev = last.get(e.cluster)
        if (prev !== undefined && e.epoch <= prev) violations.push({ invariant: 'epochs-grow', at: e.time, detail: `${g.label} installed ${e.cluster} epoch ${e.epoch} after epoch ${prev}` })
        last.set(e.cluster, e.epoch)
      }
    }
    for (const [cluster, list] of ev.timeline) {
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1] as Agreed
        const b = list[i] as Agreed
        checked++
        if (b.at + s.toleranceMs < a.at) violations.push({ invariant: 'epochs-grow', at: b.at, detail: `${cluster}: epoch ${b.epoch} was first installed at ${iso(b.at)}, before epoch ${a.epoch} (${iso(a.at)})` })
      }
    }
    const redisMax = new Map<string, number>()
    for (const smp of samples) {
      for (const [cluster, r] of smp.redis ?? []) {
        if (r.epoch <= 0) continue
        checked++
        const prev = redisMax.get(cluster) ?? 0
        if (r.epoch < prev) violations.push({ invariant: 'epochs-grow', at: smp.at, detail: `Redis held ${cluster} at epoch ${r.epoch} after epoch ${prev}` })
        redisMax.set(cluster, Math.max(prev, r.epoch))
      }
    }
    results.push({ id: 'epochs-grow', title: 'Epochs only grow: per replica, in the agreed order, and in Redis across its empty restart', checked: `${checked} epoch observations`, violations })
  }

  return { results, evidence: ev }
}
