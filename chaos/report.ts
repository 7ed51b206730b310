// RELIABILITY.md: the machine, the command, the faults with their times, every query's outcome by
// mode, client and cause, the invariants with the evidence they looked at, and what the redirect
// failures are.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { ROOT } from './procs.js'
import type { FaultRecord } from './faults.js'
import type { Agreed, Evidence, InvariantResult, Violation } from './invariants.js'
import type { QueryRecord } from './workload.js'
import { MODES, type Mode, type Topology } from './topology.js'

export interface RunInfo {
  command: string
  seed: number
  durationS: number
  quick: boolean
  startedAt: number
  streamsStartedAt: number
  streamsStoppedAt: number
  endedAt: number
  toleranceMs: number
  samplePeriodMs: number
  deadlineMs: number
  runDir: string
  samples: number
  endState: string[]
  /** os.loadavg() when the run began */
  loadBefore: string
}

export interface ReportInput {
  run: RunInfo
  topo: Topology
  faults: FaultRecord[]
  records: QueryRecord[]
  unfinished: QueryRecord[]
  results: InvariantResult[]
  evidence: Evidence
}

function machine (loadBefore: string): string[] {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  const redis = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown'
  const haproxy = /HAProxy version (\S+)/.exec(spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown'
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const dirty = (spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).stdout ?? '').trim() !== ''
  return [
    `- CPU: ${model}, ${os.availableParallelism()} cores; memory ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; redis-server ${redis}; HAProxy ${haproxy}`,
    `- Commit ${rev === '' ? 'unknown' : rev}${dirty ? ' (with uncommitted changes under src/)' : ''}; load average before the run ${loadBefore}, at the end ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (the machine is shared: other work may run alongside)`
  ]
}

const sec = (t: number, t0: number): string => `${((t - t0) / 1000).toFixed(1)}`
const pct = (a: number, b: number): string => b === 0 ? '—' : `${(100 * a / b).toFixed(1)} %`
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** Groups messages: query ids, ports and numbers that differ from one failure to the next are named or masked. */
export function normalize (msg: string, topo: Topology): string {
  const names = new Map<string, string>()
  for (const c of topo.coordinators) names.set(String(c.port), c.name)
  for (const r of topo.replicas) names.set(String(r.port), r.name)
  names.set(new URL(topo.frontUrl).port, 'front door')
  return msg
    .replace(/\d{8}_\d{6}_\d{5}_[a-z0-9]{5}/g, '<queryId>')
    .replace(/127\.0\.0\.1:(\d+)/g, (_m, p: string) => `127.0.0.1:${p} (${names.get(p) ?? 'port'})`)
    .replace(/\/v1\/statement\/\S+/g, '/v1/statement/…')
    .slice(0, 240)
}

/** Faults whose window (start to recovery + 2 s) overlaps the query. */
function faultsOf (q: QueryRecord, faults: FaultRecord[]): FaultRecord[] {
  return faults.filter((f) => q.startedAt <= (f.settledAt ?? f.repairedAt ?? f.at) + 2000 && q.endedAt >= f.at)
}

const faultLabel = (f: FaultRecord): string => `#${f.n} ${f.kind} ${f.target}`

/** What a violation coincided with: a coordinator that had just been resumed from SIGSTOP. */
function explain (v: Violation, faults: FaultRecord[], t0: number): string {
  const hits = faults.filter((f) => f.kind === 'coordinator-sigstop' && f.repairedAt !== undefined && v.at >= f.at && v.at <= f.repairedAt + 3000 &&
    new RegExp(`\\b${f.target}\\b`).test(v.detail))
  return hits.map((f) => ` — ${v.at - (f.repairedAt ?? 0)} ms after the SIGCONT of ${f.target} (fault #${f.n}, stopped at ${sec(f.at, t0)} s): a first POST that ${f.target} held while it was stopped, answered when it resumed, after it had been replaced (see "Product findings")`).join('')
}

export function renderReport (r: ReportInput): string {
  const { run, topo, faults, records, unfinished, results, evidence } = r
  const t0 = run.streamsStartedAt
  const violations = results.reduce((n, x) => n + x.violations.length, 0)
  const failed = records.filter((q) => !q.ok)
  const firstPostHP = failed.filter((q) => q.phase === 'first-post' && q.mode !== 'redirect').length
  const out: string[] = []
  const p = (...lines: string[]): void => { out.push(...lines) }

  p('# Reliability: the chaos run', '')
  p(`_Written by \`npm run chaos\` (chaos/run.ts) on ${new Date(run.endedAt).toISOString()}. Rerun it to refresh this file._`, '')
  p(`**Invariant violations: ${violations}.** Queries: ${records.length + unfinished.length} started, ${records.filter((q) => q.ok).length} completed, ${failed.length} failed` +
    ` (${firstPostHP} of them at the first POST in handoff or proxy mode), ${unfinished.length} unfinished when the run stopped. ${faults.length} faults injected.`, '')

  p('## Machine and command', '')
  p(...machine(run.loadBefore), '')
  p(`- Command: \`${run.command}\` (seed ${run.seed}${run.quick ? ', quick' : ''}); query streams ran ${sec(run.streamsStoppedAt, t0)} s` +
    ` (${new Date(t0).toISOString()} to ${new Date(run.streamsStoppedAt).toISOString()}); whole run ${sec(run.endedAt, run.startedAt)} s including start and checks.`)
  p(`- Process logs of the coordinators and HAProxy: \`${run.runDir}\` (gateway logs are parsed in memory).`, '')

  p('## What runs', '')
  p('- Redis (one `redis-server`, no persistence), two gateway replicas (`node --import tsx src/server.ts --config FILE`, one process each) sharing it, HAProxy in front of them as in `deploy/haproxy` (round robin over replicas whose `/readyz` is 200; only connection failures retried); `server.publicUrl` is the front door, so proxy-mode URIs come back through either replica.')
  p(`- ${topo.clusters.length} emulated clusters × 2 coordinators, each coordinator a process of its own (\`src/server.ts emulate --workers 0\`), \`failback: sticky\`, \`minWorkers: 1\`:` +
    ` ${topo.clusters.map((c) => `${c.name} (${c.flavor}, group ${c.group})`).join(', ')}. Two clusters per routing group so that a handoff or proxy query always has somewhere else to go while one cluster fails over;` +
    ' two groups because the clients speak one header family each (`trino-client` only `X-Trino-*`, `@prestodb/presto-js-client` only `X-Presto-*`) and a Trino coordinator refuses the other family.')
  p('- Workers: two per cluster, each announcing every second through one replica\'s discovery port for that cluster (Trino clusters: one `/v1/announce`, one airlift; Presto: airlift). Coordinators start with no worker: a coordinator only has workers if the gateways\' discovery proxies sent them to it.')
  p(`- Health: \`intervalMs ${topo.health.intervalMs}, timeoutMs ${topo.health.timeoutMs}, rise ${topo.health.rise}, fall ${topo.health.fall}\` (H = ${topo.health.intervalMs} ms below). Upstream timeouts: the defaults.`)
  p(`- ${topo.streams.length} query streams, one query at a time each, 50–250 ms apart, through the front door: every mode × {trino-client, presto-client, raw JDBC-like client} on the Trino group and {presto-js-client, presto-client, raw} on the Presto group. Routing rules pick group and mode from the user name. Queries: \`SELECT 1, 'chaos'\` (1 row), 20 rows in 2 pages 100 ms apart, 60 rows in 4 pages 600 ms apart (≈ 2.4 s, so faults meet queries mid-flight); every result's row count is checked. Each query is bounded by a ${run.deadlineMs / 1000} s client deadline.`, '')

  p('## Faults', '')
  p('One at a time; each is repaired, and the next waits until every replica sees every cluster eligible again (bounded). Times in seconds since the query streams started.', '')
  p('| # | at | fault | target | repaired | recovered | what followed |', '|---|---|---|---|---|---|---|')
  for (const f of faults) {
    const cluster = topo.coordinators.find((c) => c.name === f.target)?.cluster
    const end = f.settledAt ?? f.repairedAt ?? f.at
    const elections: Agreed[] = []
    for (const list of evidence.timeline.values()) for (const a of list) if (a.at >= f.at && a.at <= end + 1000) elections.push(a)
    const follow = elections.map((a) => `${a.cluster}: ${a.from ?? '—'} → ${a.coordinator} at epoch ${a.epoch}, ${a.at - f.at} ms after the fault (${a.reason})`)
    const target = f.kind.startsWith('coordinator') ? `${f.target} (${cluster ?? '?'}, ${f.wasPrimary === true ? 'primary' : 'standby'})` : f.target
    p(`| ${f.n} | ${sec(f.at, t0)} | ${f.kind} | ${target} | ${f.repairedAt === undefined ? '—' : sec(f.repairedAt, t0)} | ${f.settledAt === undefined ? '**no**' : sec(f.settledAt, t0)} | ${esc([...follow, ...f.notes].join('; ') || 'no election')} |`)
  }
  p('')

  p('## Queries', '')
  p('A failure is **at the first POST** when the client never got a query id from a coordinator (the POST or its redirect failed, or the gateway could not place the query and answered with its own id and a FAILED document); **later** when a coordinator had accepted the query.', '')
  p('| mode | started | completed | failed at first POST | failed later | unfinished at stop |', '|---|---|---|---|---|---|')
  for (const mode of MODES) {
    const qs = records.filter((q) => q.mode === mode)
    const un = unfinished.filter((q) => q.mode === mode).length
    const f1 = qs.filter((q) => !q.ok && q.phase === 'first-post').length
    const f2 = qs.filter((q) => !q.ok && q.phase !== 'first-post').length
    p(`| ${mode} | ${qs.length + un} | ${qs.filter((q) => q.ok).length} | ${f1} | ${f2} (${pct(f2, qs.length)}) | ${un} |`)
  }
  p(`| **all** | ${records.length + unfinished.length} | ${records.filter((q) => q.ok).length} | ${failed.filter((q) => q.phase === 'first-post').length} | ${failed.filter((q) => q.phase !== 'first-post').length} | ${unfinished.length} |`, '')

  p('By client:', '')
  p('| client (group) | mode | started | completed | failed at first POST | failed later |', '|---|---|---|---|---|---|')
  const streamKeys = [...new Set(records.map((q) => `${q.client} (${q.group})|${q.mode}`))].sort()
  for (const key of streamKeys) {
    const [client, mode] = key.split('|')
    const qs = records.filter((q) => `${q.client} (${q.group})` === client && q.mode === mode)
    p(`| ${client ?? ''} | ${mode ?? ''} | ${qs.length} | ${qs.filter((q) => q.ok).length} | ${qs.filter((q) => !q.ok && q.phase === 'first-post').length} | ${qs.filter((q) => !q.ok && q.phase !== 'first-post').length} |`)
  }
  p('')

  p('### Failures grouped by mode, phase and message', '')
  if (failed.length === 0) {
    p('None.', '')
  } else {
    p('| mode | phase | count | message (ids masked, ports named) | during faults |', '|---|---|---|---|---|')
    const groups = new Map<string, QueryRecord[]>()
    for (const q of failed) {
      const key = `${q.mode}|${q.phase ?? 'later'}|${normalize(q.error ?? '?', topo)}`
      groups.set(key, [...(groups.get(key) ?? []), q])
    }
    const order = (m: string): number => MODES.indexOf(m as Mode)
    for (const [key, qs] of [...groups].sort((a, b) => order(a[0].split('|')[0] ?? '') - order(b[0].split('|')[0] ?? '') || b[1].length - a[1].length)) {
      const [mode, phase, ...rest] = key.split('|')
      const fs = new Map<string, number>()
      let outside = 0
      for (const q of qs) {
        const hit = faultsOf(q, faults)
        if (hit.length === 0) outside++
        for (const f of hit) fs.set(faultLabel(f), (fs.get(faultLabel(f)) ?? 0) + 1)
      }
      const where = [...[...fs].map(([l, n]) => `${l} (${n})`), ...(outside > 0 ? [`**outside any fault window (${outside})**`] : [])].join('; ')
      p(`| ${mode ?? ''} | ${phase ?? ''} | ${qs.length} | ${esc(rest.join('|'))} | ${esc(where)} |`)
    }
    p('')
  }

  p('## Invariants', '')
  p(`H = health.intervalMs = ${topo.health.intervalMs} ms. Log-timestamp tolerance: ${run.toleranceMs} ms (all processes share one clock; the tolerance covers the event-loop lag between an event and its log line on a loaded 2-core machine). "Agreed" = the first moment any replica installed a primary at an epoch (the Redis compare-and-set precedes it by a Redis round trip).`, '')
  p('| invariant | evidence checked | violations |', '|---|---|---|')
  for (const x of results) p(`| ${esc(x.title)} | ${esc(x.checked)} | **${x.violations.length}** |`)
  p('')
  const all = results.flatMap((x) => x.violations)
  if (all.length > 0) {
    p('### Violations', '')
    for (const v of all.slice(0, 200)) p(`- \`${v.invariant}\`: ${esc(v.detail)}${explain(v, faults, t0)}`)
    if (all.length > 200) p(`- … and ${all.length - 200} more`)
    p('')
  }

  const late = all.filter((v) => explain(v, faults, t0) !== '')
  p('### Product findings', '')
  if (late.length === 0) {
    p('No violation coincided with a coordinator resumed from SIGSTOP in this run. Whether a SIGSTOP meets a handoff/proxy first POST in flight is chance; `node --import tsx --test chaos/repro/late-first-post.test.ts` checks that case deterministically (a primary that answers a held first POST after it was replaced must not get the query).', '')
  } else {
    p(`${late.length} of the violations above came within 3 s of a SIGCONT and name the resumed coordinator. Mechanism: a handoff/proxy first POST forwarded to the primary just before it was stopped is held by the stopped process (the upstream headers timeout, 30 s by default, is longer than the stop); meanwhile the replicas agree on the standby (a new epoch); on SIGCONT the old primary answers the POST and the gateway hands that query to the client — so a coordinator that was agreed down takes a new query after the new primary took over, and the "query routed" line carries the new epoch (read when the answer arrives) with the old coordinator. ` +
      'Reproduced without the chaos rig by `node --import tsx --test chaos/repro/late-first-post.test.ts` (the emulator\'s `slow` fault stands for the stop). Fix direction: in `sendFirstPost`, when the answer arrives from a coordinator that is no longer its cluster\'s primary at the epoch it was chosen at, DELETE the queued query there (Trino dispatches only on the first GET) and place the query again (the same cluster\'s new primary included); log the epoch of the decision.', '')
  }

  p('### Elections', '')
  p('Every agreed primary (epoch) with the time each replica installed it, relative to the first.', '')
  p('| cluster | epoch | from → to | reason | at | lag of the other replicas |', '|---|---|---|---|---|---|')
  const agreedAll = [...evidence.timeline.values()].flat().sort((a, b) => a.at - b.at)
  for (const a of agreedAll) {
    const lags = evidence.elections.filter((e) => e.cluster === a.cluster && e.epoch === a.epoch).map((e) => {
      const g = r.topo.replicas.flatMap((x) => x.generations).find((x) => x.label === e.gen)
      return g !== undefined && g.startedAt > a.at ? `${e.gen} at its start` : `${e.gen} +${e.time - a.at} ms`
    }).join(', ')
    p(`| ${a.cluster} | ${a.epoch} | ${a.from ?? '—'} → ${a.coordinator} | ${esc(a.reason)} | ${sec(a.at, t0)} | ${lags} |`)
  }
  p('')

  p('### End state', '')
  p(...run.endState.map((s) => `- ${s}`), '')

  p('## Why redirect-mode queries fail', '')
  const redirectFailed = failed.filter((q) => q.mode === 'redirect')
  const coordFault = (q: QueryRecord): boolean => faultsOf(q, faults).some((f) => f.kind.startsWith('coordinator'))
  const byCoordFault = redirectFailed.filter(coordFault).length
  const handoffLater = failed.filter((q) => q.mode === 'handoff' && q.phase !== 'first-post')
  const proxyLater = failed.filter((q) => q.mode === 'proxy' && q.phase !== 'first-post')
  const rFirst = redirectFailed.filter((q) => q.phase === 'first-post').length
  p(`${redirectFailed.length} redirect-mode queries failed (${rFirst} at the first POST, ${redirectFailed.length - rFirst} later), ${byCoordFault} of them while a coordinator fault was in progress. ` +
    'A redirected client talks to the coordinator directly: the gateway answers the first POST with a 307 and never sees the query again. ' +
    'So (1) a query running on a coordinator that is SIGKILLed fails — the coordinator held its state, as it does in every mode (the handoff and proxy "failed later" rows are the same case); ' +
    '(2) a client redirected to the primary in the moments between its death and the health checks noticing (up to fall × intervalMs + timeoutMs) follows the 307 to a dead address and fails at its first POST — the gateway cannot retry a POST it never carries; ' +
    '(3) a client redirected to, or polling, a SIGSTOPped coordinator waits until the SIGCONT and then usually completes, or fails at its deadline. ' +
    `In handoff and proxy modes the gateway itself carries the first POST, and re-sends one that a dead or hung coordinator never answered to the next eligible cluster (Trino only runs a query once its queued URI is polled, so this is safe): ${firstPostHP} first-POST failures there. ` +
    `Later failures there (${handoffLater.length} handoff, ${proxyLater.length} proxy) are queries that were running on a coordinator when it was killed or stopped (in proxy mode the gateway ends such a query with a FAILED "was lost" document once its checks see the coordinator down, or answers 503, which trino-client does not retry).`, '')
  return out.join('\n')
}
