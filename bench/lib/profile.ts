// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time by function,
// self time by package / source area, and inclusive time of chosen functions.
import { readFileSync } from 'node:fs'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface Node { id: number, callFrame: CallFrame, hitCount?: number, children?: number[] }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

export interface ProfileSummary {
  totalMs: number
  idleMs: number
  /** [label, self ms] by function, largest first */
  functions: Array<[string, number]>
  /** [area, self ms]: node_modules package, src/ folder, node internals, (gc), (program) */
  areas: Array<[string, number]>
  /** [label, inclusive ms] of functions whose label matches one of the given patterns */
  inclusive: Array<[string, number]>
}

function area (url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm !== null) return nm[1] ?? url
  const src = /\/(src|bench|test)\/([^/]+)\//.exec(url)
  if (src !== null) return `${src[1] ?? ''}/${src[2] ?? ''}`
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`
  return url.replace(/^.*\//, '')
}

function label (cf: CallFrame): string {
  const file = cf.url.replace(/^.*\/(node_modules\/)?/, '')
  return `${cf.functionName === '' ? '(anonymous)' : cf.functionName} ${file}:${cf.lineNumber + 1}`
}

export function summarizeProfile (file: string, inclusivePatterns: RegExp[] = [], top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfMs = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] ?? 0
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000
    selfMs.set(id, (selfMs.get(id) ?? 0) + dt)
  }
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  const incl = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0
  for (const [id, ms] of selfMs) {
    const n = byId.get(id)
    if (n === undefined) continue
    totalMs += ms
    if (n.callFrame.functionName === '(idle)') {
      idleMs += ms
      continue
    }
    const l = label(n.callFrame)
    fns.set(l, (fns.get(l) ?? 0) + ms)
    const a = area(n.callFrame.url, n.callFrame.functionName)
    areas.set(a, (areas.get(a) ?? 0) + ms)
    // inclusive: each matching label on the stack once
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cn = byId.get(cur)
      if (cn === undefined) break
      const cl = label(cn.callFrame)
      if (seen.has(cl)) continue
      if (inclusivePatterns.some((re) => re.test(cl))) {
        seen.add(cl)
        incl.set(cl, (incl.get(cl) ?? 0) + ms)
      }
    }
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1])
  return { totalMs, idleMs, functions: sorted(fns).slice(0, top), areas: sorted(areas).slice(0, top), inclusive: sorted(incl).slice(0, top) }
}

/** A readable excerpt: busy time, areas and functions as shares of the busy time. */
export function formatProfile (s: ProfileSummary, title: string): string {
  const busy = s.totalMs - s.idleMs
  const pct = (ms: number): string => `${(100 * ms / busy).toFixed(1).padStart(5)} %`
  const lines = [`${title}: ${(busy / 1000).toFixed(2)} s busy of ${(s.totalMs / 1000).toFixed(2)} s profiled`, '  self time by area:']
  for (const [a, ms] of s.areas.slice(0, 12)) lines.push(`    ${pct(ms)}  ${a}`)
  lines.push('  self time by function:')
  for (const [f, ms] of s.functions.slice(0, 20)) lines.push(`    ${pct(ms)}  ${f}`)
  if (s.inclusive.length > 0) {
    lines.push('  inclusive time:')
    for (const [f, ms] of s.inclusive) lines.push(`    ${pct(ms)}  ${f}`)
  }
  return lines.join('\n')
}
