// Cluster choice among a routing group's eligible clusters (issue 3, item 4). Pure and
// allocation-free: it runs for every new query.

export interface ClusterCandidate {
  name: string
  /** running queries at the last poll */
  running: number
  /** queued queries at the last poll */
  queued: number
  /** queries this gateway replica sent there since that poll (the poll cannot see them yet) */
  sentSinceLastPoll: number
  activeWorkers: number
  weight: number
}

/** Short name used by callers (src/routing/router.ts). */
export type Candidate = ClusterCandidate

/**
 * Near-tie tolerance: a candidate is tied with the best score s when its score is at most
 * s + max(TIE_ABSOLUTE, TIE_RELATIVE × s). Scores are queries per unit of capacity (one worker at
 * weight 1), so the absolute part treats "0 vs 1 query on a 20-worker cluster" as equal, and the
 * relative part keeps the band meaningful on loaded clusters (50 vs 54 queries on equal capacity).
 */
export const TIE_ABSOLUTE = 0.05
export const TIE_RELATIVE = 0.1

/**
 * (running + queued + sentSinceLastPoll) ÷ (activeWorkers × weight), or undefined when the
 * candidate cannot take queries: no capacity (no workers, weight ≤ 0) or numbers that are not
 * finite (NaN stats, or a score that overflows). Negative counts (a confused poll) count as 0.
 */
export function loadScore (c: ClusterCandidate): number | undefined {
  const capacity = c.activeWorkers * c.weight
  if (!(capacity > 0) || !Number.isFinite(capacity)) return undefined
  const load = nonNegative(c.running) + nonNegative(c.queued) + nonNegative(c.sentSinceLastPoll)
  const score = load / capacity
  // A capacity so small that the quotient overflows (weight 5e-324) is no capacity either.
  return Number.isFinite(score) ? score : undefined
}

function nonNegative (n: number): number {
  // NaN stays NaN (and makes the candidate ineligible); negatives become 0.
  return n < 0 ? 0 : n
}

/**
 * The name of the least-loaded candidate, or undefined when none has capacity.
 *
 * Ties: replicas polling the same stats would all send their next queries to the same lowest
 * cluster. So among the candidates within the tie band of the best score, two are drawn at
 * random (with replacement) and the lower score wins, the first draw on equal scores. Equal
 * candidates are then picked uniformly; of two near-tied ones the lower gets 3/4 of the queries,
 * not all of them. Clearly better candidates (outside the band) are always chosen.
 *
 * `random` returns [0, 1) like Math.random; values outside are clamped.
 */
export function chooseCluster (candidates: readonly ClusterCandidate[], random: () => number): string | undefined {
  // Pass 1: the best score.
  let best = Infinity
  for (const c of candidates) {
    const s = loadScore(c)
    if (s !== undefined && s < best) best = s
  }
  if (best === Infinity) return undefined

  // Pass 2: how many are within the band.
  const limit = best + Math.max(TIE_ABSOLUTE, TIE_RELATIVE * best)
  let tied = 0
  for (const c of candidates) {
    const s = loadScore(c)
    if (s !== undefined && s <= limit) tied++
  }

  // Pass 3: the two draws, found by rank among the tied (no array of them is built).
  const first = pick(random, tied)
  const second = pick(random, tied)
  let rank = 0
  let a: ClusterCandidate | undefined
  let aScore = 0
  let b: ClusterCandidate | undefined
  let bScore = 0
  for (const c of candidates) {
    const s = loadScore(c)
    if (s === undefined || s > limit) continue
    if (rank === first) { a = c; aScore = s }
    if (rank === second) { b = c; bScore = s }
    rank++
  }
  if (a === undefined || b === undefined) return undefined // unreachable: both ranks < tied
  return bScore < aScore ? b.name : a.name
}

function pick (random: () => number, n: number): number {
  const r = random()
  const i = Math.floor((r >= 0 ? r : 0) * n) // NaN and negatives → 0
  return i < n ? i : n - 1 // r ≥ 1 → the last
}
