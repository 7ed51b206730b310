import type { IncomingHttpHeaders } from 'node:http'

// Readers for the client-protocol request headers. Presto and Trino name the same headers with
// different prefixes (PROTOCOL.md §1); the gateway reads both and never rewrites one into the
// other, so every reader here looks at the request as the client sent it.

export type HeaderFamily = 'trino' | 'presto'
export type DetectedFamily = HeaderFamily | 'none' | 'mixed'

const TRINO_PREFIX = 'x-trino-'
const PRESTO_PREFIX = 'x-presto-'

/** One value of a header; node gives string[] only for a few names, but the type allows it anywhere. */
function single (value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  // node joins repeated unknown headers with ", " itself; do the same for an array so that a
  // caller never has to care which form it got.
  return typeof value === 'string' ? value : value.join(', ')
}

/** A value trimmed, with the empty string read as absent (a client sending `X-Trino-User:` names no user). */
function present (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const t = value.trim()
  return t === '' ? undefined : t
}

/**
 * Which header family the request uses, from its `x-trino-*` / `x-presto-*` names. The gateway's
 * own routing-group header counts like any other: a Trino server configured with an alternate
 * header name sees it too.
 */
export function familyOf (headers: IncomingHttpHeaders): DetectedFamily {
  let trino = false
  let presto = false
  // IncomingHttpHeaders keys are lower-case (node lower-cases them), like every lookup here.
  for (const name in headers) {
    if (headers[name] === undefined) continue
    if (name.startsWith(TRINO_PREFIX)) trino = true
    else if (name.startsWith(PRESTO_PREFIX)) presto = true
    if (trino && presto) return 'mixed'
  }
  if (trino) return 'trino'
  if (presto) return 'presto'
  return 'none'
}

/** `X-Trino-{suffix}` or `X-Presto-{suffix}` as sent (untrimmed); suffix is case-insensitive, e.g. `User`. */
export function header (headers: IncomingHttpHeaders, family: HeaderFamily, suffix: string): string | undefined {
  const prefix = family === 'trino' ? TRINO_PREFIX : PRESTO_PREFIX
  return single(headers[prefix + suffix.toLowerCase()])
}

/** The Trino header if present, else the Presto one; trimmed, empty read as absent. */
function eitherFamily (headers: IncomingHttpHeaders, suffix: string): string | undefined {
  return present(header(headers, 'trino', suffix)) ?? present(header(headers, 'presto', suffix))
}

const BASIC_PREFIX = /^basic[ \t]+/i
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
// Control characters in a user name would end up in rule matching and in logs; such a header is
// garbage, not a user.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * The user of an `Authorization: Basic ...` header (RFC 7617: base64 of `user:password`), or
 * undefined for any other scheme or anything malformed. Never throws.
 */
export function basicUser (authorization: string | string[] | undefined): string | undefined {
  const value = single(authorization)
  if (value === undefined) return undefined
  const m = BASIC_PREFIX.exec(value)
  if (m === null) return undefined
  const encoded = value.slice(m[0].length).trim()
  // Buffer.from(..., 'base64') silently skips characters outside the alphabet; checking first
  // keeps "Basic !!!garbage" from decoding into some accidental user name.
  if (encoded.length === 0 || encoded.length % 4 === 1 || !BASE64.test(encoded)) return undefined
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  const user = decoded.slice(0, colon)
  if (CONTROL.test(user) || user.includes('\ufffd')) return undefined
  return user
}

/**
 * The user a rule's `user` pattern is matched against: `X-Trino-User` / `X-Presto-User`, else the
 * Basic user (DESIGN.md, Configuration).
 */
export function requestUser (headers: IncomingHttpHeaders): string | undefined {
  return eitherFamily(headers, 'User') ?? basicUser(headers.authorization)
}

/**
 * Whether the request carries credentials a redirect could lose (`auto` mode hands such requests
 * off instead: clients drop Authorization on a cross-origin 307, DESIGN.md "Routing modes").
 */
export function hasCredentials (headers: IncomingHttpHeaders): boolean {
  return present(single(headers.authorization)) !== undefined || present(single(headers.cookie)) !== undefined
}

/** Client tags of both families (a comma list each), trimmed, empties dropped, duplicates removed. */
export function clientTags (headers: IncomingHttpHeaders): string[] {
  const tags: string[] = []
  addTags(tags, header(headers, 'trino', 'Client-Tags'))
  addTags(tags, header(headers, 'presto', 'Client-Tags'))
  return tags
}

function addTags (into: string[], value: string | undefined): void {
  if (value === undefined) return
  for (const part of value.split(',')) {
    const tag = part.trim()
    if (tag !== '' && !into.includes(tag)) into.push(tag)
  }
}

/** `X-Trino-Routing-Group` / `X-Presto-Routing-Group` (a gateway convention, not a server header). */
export function routingGroupHeader (headers: IncomingHttpHeaders): string | undefined {
  return eitherFamily(headers, 'Routing-Group')
}

/** `X-Trino-Source` / `X-Presto-Source`. */
export function sourceHeader (headers: IncomingHttpHeaders): string | undefined {
  return eitherFamily(headers, 'Source')
}

/** The request's transaction id; JDBC sends `NONE` on every statement, which means no transaction. */
export function transactionId (headers: IncomingHttpHeaders): string | undefined {
  const id = eitherFamily(headers, 'Transaction-Id')
  if (id === undefined || id.toUpperCase() === 'NONE') return undefined
  return id
}
