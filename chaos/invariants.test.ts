// The invariant checks themselves, on made-up evidence: a clean failover passes, and each kind of
// violation is caught. Run with `node --import tsx --test chaos/invariants.test.ts`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkInvariants, type GenInput, type InvariantId } from './invariants.js'
import type { LogLine } from '../test/helpers/gateway-process.js'
import type { Sample } from './sampler.js'

const T = 1_700_000_000_000
const S = { intervalMs: 500, toleranceMs: 250, samplePeriodMs: 250 }

const elected = (time: number, cluster: string, to: string, epoch: number, from?: string): LogLine =>
  ({ level: 40, time, msg: from === undefined ? 'primary elected' : 'primary changed', event: 'election', cluster, from, to, epoch, reason: 'primary down' })
const routed = (time: number, cluster: string, coordinator: string, epoch: number, mode = 'handoff'): LogLine =>
  ({ level: 30, time, msg: 'query routed', cluster, coordinator, epoch, mode, queryId: `q${time}` })
const health = (time: number, coordinator: string, to: string): LogLine =>
  ({ level: 30, time, msg: 'coordinator health changed', cluster: 'blue', coordinator, from: 'up', to })

function gen (label: string, logs: LogLine[], startedAt = T - 10_000): GenInput {
  return { label, replica: label.split('#')[0] ?? label, startedAt, stopRequestedAt: undefined, logs }
}

/** blue-a primary at epoch 1, dies at T; both replicas see it, blue-b agreed at epoch 2 at T+1000. */
function cleanFailover (): GenInput[] {
  const base = (lag: number): LogLine[] => [
    health(T - 20_000, 'blue-a', 'up'), health(T - 20_000, 'blue-b', 'up'),
    elected(T - 20_000 + lag, 'blue', 'blue-a', 1),
    routed(T - 100, 'blue', 'blue-a', 1),
    health(T + 900, 'blue-a', 'down'),
    elected(T + 1000 + lag, 'blue', 'blue-b', 2, 'blue-a'),
    routed(T + 1200 + lag, 'blue', 'blue-b', 2)
  ]
  return [gen('gw1#1', base(0)), gen('gw2#1', base(30))]
}

function violated (gens: GenInput[], samples: Sample[] = []): Map<InvariantId, number> {
  const { results } = checkInvariants(gens, samples, S)
  return new Map(results.map((r) => [r.id, r.violations.length]))
}

const total = (m: Map<InvariantId, number>): number => [...m.values()].reduce((a, b) => a + b, 0)

test('a clean failover violates nothing', () => {
  assert.equal(total(violated(cleanFailover())), 0)
})

test('a route to the replaced primary with its old epoch, after the grace', () => {
  const gens = cleanFailover()
  ;(gens[1]?.logs as LogLine[]).splice(4, 0, routed(T + 1000 + 900, 'blue', 'blue-a', 1))
  // gw2 still routed to blue-a 900 ms after the agreement (and before seeing it down itself)
  const v = violated(gens)
  assert.equal(v.get('no-route-to-replaced'), 1)
})

test('a late answer: the old coordinator logged with the new epoch, after the replica saw it down', () => {
  const gens = cleanFailover()
  ;(gens[0]?.logs as LogLine[]).push(routed(T + 4000, 'blue', 'blue-a', 2, 'proxy'))
  const v = violated(gens)
  assert.equal(v.get('one-primary-per-epoch'), 1)
  assert.equal(v.get('no-route-to-down'), 1)
})

test('a replica that learns an election late, and split routing', () => {
  const gens = cleanFailover()
  const late: LogLine[] = [
    health(T - 20_000, 'blue-a', 'up'), health(T - 20_000, 'blue-b', 'up'),
    elected(T - 20_000, 'blue', 'blue-a', 1),
    routed(T + 1100, 'blue', 'blue-a', 1), routed(T + 3000, 'blue', 'blue-a', 1),
    elected(T + 3100, 'blue', 'blue-b', 2, 'blue-a')
  ]
  gens[1] = gen('gw2#1', late)
  // meanwhile gw1 keeps routing to blue-b
  ;(gens[0]?.logs as LogLine[]).push(routed(T + 2500, 'blue', 'blue-b', 2))
  const v = violated(gens)
  assert.equal(v.get('agreement-latency'), 1)
  assert.ok((v.get('no-split-routing') ?? 0) >= 1)
  assert.ok((v.get('no-route-to-replaced') ?? 0) >= 1)
})

test('a restarted replica that starts on an old epoch, and epochs going down', () => {
  const gens = cleanFailover()
  gens.push(gen('gw1#2', [elected(T + 10_000, 'blue', 'blue-a', 1)], T + 10_050))
  const v = violated(gens)
  assert.equal(v.get('agreement-latency'), 1)
  const samples: Sample[] = [
    { at: T, replicas: new Map(), redis: new Map([['blue', { coordinator: 'blue-b', epoch: 2 }]]) },
    { at: T + 250, replicas: new Map(), redis: new Map([['blue', { coordinator: 'blue-a', epoch: 1 }]]) }
  ]
  assert.equal(violated(cleanFailover(), samples).get('epochs-grow'), 1)
})

test('sampled: replicas disagreeing on the primary for longer than the limit', () => {
  const view = (primary: string, epoch: number) => new Map([['blue', { primary, epoch, eligible: true, health: {} }]])
  const samples: Sample[] = []
  for (let i = 0; i < 8; i++) {
    samples.push({ at: T + i * 250, replicas: new Map([['gw1#1', view('blue-b', 2)], ['gw2#1', view(i < 6 ? 'blue-a' : 'blue-b', i < 6 ? 1 : 2)]]), redis: undefined })
  }
  const v = violated(cleanFailover(), samples)
  // 1500 ms of disagreement > 500 + 250 + 250; both the primary and the eligibility views split
  assert.equal(v.get('sampled-agreement'), 2)
  // a short one (one sample) is within the limit
  const short = samples.map((s, i) => i === 0 ? s : { ...s, replicas: new Map([['gw1#1', view('blue-b', 2)], ['gw2#1', view('blue-b', 2)]]) })
  assert.equal(violated(cleanFailover(), short).get('sampled-agreement'), 0)
})
