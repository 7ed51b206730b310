import type { IncomingHttpHeaders } from 'node:http'
import type { Flavor } from './types.js'

export function headerPrefix (flavor: Flavor): string {
  return flavor === 'trino' ? 'X-Trino-' : 'X-Presto-'
}

/** True when the request carries both X-Trino-* and X-Presto-* headers, which Trino refuses. */
export function mixesFamilies (headers: IncomingHttpHeaders): boolean {
  let trino = false
  let presto = false
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-trino-')) trino = true
    else if (name.startsWith('x-presto-')) presto = true
  }
  return trino && presto
}

/** All values of a family header (node joins repeated headers with ", " except set-cookie). */
export function familyHeader (headers: IncomingHttpHeaders, flavor: Flavor, suffix: string): string | undefined {
  const value = headers[(headerPrefix(flavor) + suffix).toLowerCase()]
  if (Array.isArray(value)) return value.join(',')
  return value === undefined || value === '' ? undefined : value
}

/** Java's URLEncoder: what Trino uses for Set-Session and Added-Prepare values. */
export function javaUrlEncode (value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
}

export function javaUrlDecode (value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}

/** Parses `name=urlenc(value)` lists (Session, Prepared-Statement); entries may be spread over several headers. */
export function parseKeyValueList (raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (raw === undefined) return out
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim()
    if (trimmed === '') continue
    const eq = trimmed.indexOf('=')
    if (eq <= 0) continue
    out.set(javaUrlDecode(trimmed.slice(0, eq).trim()), javaUrlDecode(trimmed.slice(eq + 1).trim()))
  }
  return out
}

export interface ClientSession {
  user: string | undefined
  source: string | null
  catalog: string | null
  schema: string | null
  /** null = no transaction (absent header or NONE). */
  transactionId: string | null
  properties: Map<string, string>
  prepared: Map<string, string>
  clientTags: string[]
}

export function readClientSession (headers: IncomingHttpHeaders, flavor: Flavor): ClientSession {
  const txn = familyHeader(headers, flavor, 'Transaction-Id')
  const tags = familyHeader(headers, flavor, 'Client-Tags')
  return {
    user: familyHeader(headers, flavor, 'User'),
    source: familyHeader(headers, flavor, 'Source') ?? null,
    catalog: familyHeader(headers, flavor, 'Catalog') ?? null,
    schema: familyHeader(headers, flavor, 'Schema') ?? null,
    transactionId: txn === undefined || txn.trim().toUpperCase() === 'NONE' ? null : txn.trim(),
    properties: parseKeyValueList(familyHeader(headers, flavor, 'Session')),
    prepared: parseKeyValueList(familyHeader(headers, flavor, 'Prepared-Statement')),
    clientTags: tags === undefined ? [] : tags.split(',').map((t) => t.trim()).filter((t) => t !== '')
  }
}
