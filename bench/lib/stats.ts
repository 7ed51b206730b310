// Small statistics helpers: percentiles of latency samples, median/min/max over runs.

export interface LatencySummary {
  n: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** Nearest-rank percentile of an ascending array. */
export function percentile (sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] ?? Number.NaN
}

export function summarize (samples: number[]): LatencySummary {
  const s = Float64Array.from(samples).sort()
  let sum = 0
  for (const v of s) sum += v
  return {
    n: s.length,
    mean: s.length === 0 ? Number.NaN : sum / s.length,
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    p999: percentile(s, 0.999),
    max: s.length === 0 ? Number.NaN : s[s.length - 1] ?? Number.NaN
  }
}

export interface Spread { median: number, min: number, max: number, n: number }

/** Median (the lower middle for an even count, so it is always a measured value), min and max. */
export function spread (xs: number[]): Spread {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  return { median: v[Math.floor((v.length - 1) / 2)] ?? Number.NaN, min: v[0] ?? Number.NaN, max: v[v.length - 1] ?? Number.NaN, n: v.length }
}
