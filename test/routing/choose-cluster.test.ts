import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { chooseCluster, loadScore, TIE_ABSOLUTE, TIE_RELATIVE, type ClusterCandidate } from '../../src/routing/choose-cluster.js'

const c = (name: string, load: number, workers = 10, weight = 1, sent = 0): ClusterCandidate =>
  ({ name, running: load, queued: 0, sentSinceLastPoll: sent, activeWorkers: workers, weight })

/** A deterministic random source cycling through the given values. */
function seq (...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length] as number
}

test('loadScore: (running + queued + sent) / (workers × weight); no capacity → undefined', () => {
  assert.equal(loadScore({ name: 'a', running: 3, queued: 2, sentSinceLastPoll: 1, activeWorkers: 4, weight: 1.5 }), 1)
  assert.equal(loadScore(c('a', 0, 0)), undefined)
  assert.equal(loadScore(c('a', 0, 5, 0)), undefined)
  assert.equal(loadScore(c('a', 0, -1)), undefined)
  assert.equal(loadScore(c('a', Number.NaN)), undefined)
  assert.equal(loadScore(c('a', Infinity)), undefined)
  assert.equal(loadScore(c('a', 0, Infinity)), undefined)
  assert.equal(loadScore({ name: 'a', running: -5, queued: 2, sentSinceLastPoll: 0, activeWorkers: 1, weight: 1 }), 2)
})

test('chooseCluster: table', () => {
  const cases: Array<[string, ClusterCandidate[], string | undefined]> = [
    ['none', [], undefined],
    ['only zero-capacity', [c('a', 0, 0), c('b', 0, 3, 0)], undefined],
    ['single', [c('a', 100)], 'a'],
    ['lowest load wins', [c('a', 50), c('b', 10), c('c', 30)], 'b'],
    ['capacity matters: 20 on 40 workers beats 10 on 10', [c('a', 10, 10), c('b', 20, 40)], 'b'],
    ['weight matters', [c('a', 10, 10, 1), c('b', 10, 10, 3)], 'b'],
    ['sent since last poll counts', [c('a', 10, 10, 1, 20), c('b', 20)], 'b'],
    ['zero capacity skipped even with no load', [c('a', 0, 0), c('b', 90)], 'b']
  ]
  for (const [label, candidates, want] of cases) assert.equal(chooseCluster(candidates, Math.random), want, label)
})

test('near-ties: two random draws with replacement, the lower wins, the first on equal scores', () => {
  // a: 0.50, b: 0.52 — within the band (0.05 absolute)
  const cands = [c('a', 5), c('b', 5.2)]
  assert.equal(chooseCluster(cands, seq(0.9, 0.9)), 'b') // b twice
  assert.equal(chooseCluster(cands, seq(0.9, 0.1)), 'a')
  assert.equal(chooseCluster(cands, seq(0.1, 0.9)), 'a')
  // equal scores: the first draw
  const eq = [c('a', 5), c('b', 5), c('c', 5)]
  assert.equal(chooseCluster(eq, seq(0.5, 0.0)), 'b')
  assert.equal(chooseCluster(eq, seq(0.99, 0.0)), 'c')
  // out-of-range random values are clamped, never crash
  assert.equal(chooseCluster(eq, seq(Number.NaN, Number.NaN)), 'a')
  assert.equal(chooseCluster(eq, seq(1, 7)), 'c')
  assert.equal(chooseCluster(eq, seq(-3, -3)), 'a')
})

test('the tie band: absolute on idle clusters, relative on loaded ones', () => {
  const always = seq(0.99) // draws the last tied candidate twice
  // 0 vs 0.04 (absolute band 0.05): tied → the draw can land on b
  assert.equal(chooseCluster([c('a', 0, 100), c('b', 4, 100)], always), 'b')
  // 0 vs 0.06: not tied
  assert.equal(chooseCluster([c('a', 0, 100), c('b', 6, 100)], always), 'a')
  // 5.0 vs 5.4 (relative band 0.5): tied; 5.0 vs 5.6: not
  assert.equal(chooseCluster([c('a', 50), c('b', 54)], always), 'b')
  assert.equal(chooseCluster([c('a', 50), c('b', 56)], always), 'a')
  assert.ok(TIE_ABSOLUTE > 0 && TIE_RELATIVE > 0)
})

test('equal scores spread across all candidates with Math.random', () => {
  const cands = [c('a', 7), c('b', 7), c('c', 7), c('d', 7)]
  const counts = new Map<string, number>()
  const n = 20_000
  for (let i = 0; i < n; i++) {
    const name = chooseCluster(cands, Math.random) as string
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  for (const x of cands) {
    const share = (counts.get(x.name) ?? 0) / n
    assert.ok(share > 0.2 && share < 0.3, `${x.name}: ${share}`)
  }
})

test('two near-tied candidates: the lower gets about 3/4', () => {
  const cands = [c('a', 5), c('b', 5.2)]
  let a = 0
  const n = 20_000
  for (let i = 0; i < n; i++) if (chooseCluster(cands, Math.random) === 'a') a++
  assert.ok(a / n > 0.7 && a / n < 0.8, String(a / n))
})

const candidateArb: fc.Arbitrary<ClusterCandidate> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 6 }),
  running: fc.oneof(fc.nat({ max: 500 }), fc.constantFrom(-1, Number.NaN, Infinity)),
  queued: fc.nat({ max: 200 }),
  sentSinceLastPoll: fc.nat({ max: 50 }),
  activeWorkers: fc.oneof(fc.nat({ max: 100 }), fc.constantFrom(-2, Number.NaN)),
  weight: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constant(1))
})
const randomArb = fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(0, 0.999999, 1, -1, Number.NaN))

test('never returns a candidate without capacity, and returns one whenever any has it (property)', () => {
  fc.assert(fc.property(fc.array(candidateArb, { maxLength: 8 }), randomArb, randomArb, (cands, r1, r2) => {
    const chosen = chooseCluster(cands, seq(r1, r2))
    const eligible = cands.filter((x) => loadScore(x) !== undefined)
    if (eligible.length === 0) {
      assert.equal(chosen, undefined)
      return
    }
    assert.ok(eligible.some((x) => x.name === chosen), `chose ${String(chosen)}`)
    // and what it chose is within the tie band of the best
    const best = Math.min(...eligible.map((x) => loadScore(x) as number))
    const chosenScore = Math.min(...eligible.filter((x) => x.name === chosen).map((x) => loadScore(x) as number))
    assert.ok(chosenScore <= best + Math.max(TIE_ABSOLUTE, TIE_RELATIVE * best))
  }), { numRuns: 5000 })
})

test('one clearly lower score is always chosen, whatever the random draws (property)', () => {
  fc.assert(fc.property(fc.array(candidateArb, { maxLength: 6 }), fc.integer({ min: 1, max: 100 }), randomArb, randomArb, (others, workers, r1, r2) => {
    // Others all carry at least 1 query per unit of capacity; the winner carries none.
    const loaded = others
      .filter((x) => loadScore(x) !== undefined)
      .map((x, i) => ({ ...x, name: `o${i}`, running: x.activeWorkers * x.weight + 1 }))
    const winner = { name: 'winner', running: 0, queued: 0, sentSinceLastPoll: 0, activeWorkers: workers, weight: 1 }
    const pos = Math.floor(loaded.length / 2)
    const cands = [...loaded.slice(0, pos), winner, ...loaded.slice(pos)]
    assert.equal(chooseCluster(cands, seq(r1, r2)), 'winner')
  }), { numRuns: 3000 })
})
