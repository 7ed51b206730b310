// Compact value encoding for Redis: a short '|'-delimited string instead of JSON, so a tracked
// query stays a small embedded string in Redis (see redis-store.ts for the memory budget).
//
//   query:       <mode>|<cluster>|<coordinator>|<group>|<routedAt base36>[|u<user>][|t<transactionId>]
//                mode is one letter (r, h, p); it leads, so a future format can start differently;
//                optional fields carry a one-letter tag (unknown tags are skipped when reading)
//   transaction: <cluster>|<coordinator>|<startedAt base36>
//
// '%' and '|' inside a field are percent-encoded; names from the config never contain them, so
// the usual value is copied as is.
import type { QueryMode, QueryRoute, TransactionRoute } from './types.js'

const MODE_TO_CHAR: Record<QueryMode, string> = { redirect: 'r', handoff: 'h', proxy: 'p' }
const CHAR_TO_MODE: Record<string, QueryMode | undefined> = { r: 'redirect', h: 'handoff', p: 'proxy' }

function esc (s: string): string {
  if (!s.includes('|') && !s.includes('%')) return s
  return s.replaceAll('%', '%25').replaceAll('|', '%7C')
}

function unesc (s: string): string {
  if (!s.includes('%')) return s
  return s.replaceAll('%7C', '|').replaceAll('%25', '%')
}

function time36 (ms: number): string {
  return Math.max(0, Math.round(ms)).toString(36)
}

function parseTime36 (s: string | undefined): number | undefined {
  if (s === undefined || !/^[0-9a-z]{1,11}$/.test(s)) return undefined
  const n = parseInt(s, 36)
  return Number.isSafeInteger(n) ? n : undefined
}

export function encodeQueryRoute (route: QueryRoute): string {
  let value = `${MODE_TO_CHAR[route.mode]}|${esc(route.cluster)}|${esc(route.coordinator)}|${esc(route.group)}|${time36(route.routedAt)}`
  if (route.user !== undefined) value += `|u${esc(route.user)}`
  if (route.transactionId !== undefined) value += `|t${esc(route.transactionId)}`
  return value
}

export function decodeQueryRoute (value: string): QueryRoute | undefined {
  const parts = value.split('|')
  if (parts.length < 5) return undefined
  const [m, cluster, coordinator, group, at] = parts
  const mode = m === undefined ? undefined : CHAR_TO_MODE[m]
  const routedAt = parseTime36(at)
  if (mode === undefined || routedAt === undefined || cluster === undefined || coordinator === undefined || group === undefined) return undefined
  const route: QueryRoute = { cluster: unesc(cluster), coordinator: unesc(coordinator), mode, group: unesc(group), routedAt }
  for (let i = 5; i < parts.length; i++) {
    const part = parts[i] ?? ''
    const tag = part.charAt(0)
    if (tag === 'u') route.user = unesc(part.slice(1))
    else if (tag === 't') route.transactionId = unesc(part.slice(1))
    else if (tag === '') return undefined
  }
  return route
}

export function encodeTransactionRoute (route: TransactionRoute): string {
  return `${esc(route.cluster)}|${esc(route.coordinator)}|${time36(route.startedAt)}`
}

export function decodeTransactionRoute (value: string): TransactionRoute | undefined {
  const parts = value.split('|')
  if (parts.length !== 3) return undefined
  const [cluster, coordinator, at] = parts
  const startedAt = parseTime36(at)
  if (cluster === undefined || coordinator === undefined || startedAt === undefined) return undefined
  return { cluster: unesc(cluster), coordinator: unesc(coordinator), startedAt }
}
