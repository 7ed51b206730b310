// Query ids and the request paths that carry them (PROTOCOL.md §1).
//
// A coordinator's id is `YYYYMMdd_HHmmss_NNNNN_ccccc`: UTC time, a daily counter, and five
// characters chosen once per coordinator start from Trino's/Presto's base-32 alphabet
// `abcdefghijkmnpqrstuvwxyz23456789` (a-z and 2-9 without l, o, 0 and 1). The server itself only
// checks `[_a-z0-9]+`; the gateway accepts exactly the practical shape below and nothing else, so
// that a path can never smuggle some other string into an affinity lookup.

/** A whole string that is a query id (anchored, not global: no lastIndex state). */
export const QUERY_ID_RE = /^\d{8}_\d{6}_\d{5}_[a-z0-9]{5}$/

const ID = '(\\d{8}_\\d{6}_\\d{5}_[a-z0-9]{5})'
// Slugs are letters/digits (Trino: a letter plus hex); tokens are decimal. Dots are excluded on
// purpose so that no accepted path contains a `.` or `..` segment.
const SLUG = '[A-Za-z0-9_-]+'
const TOKEN = '\\d+'
// Anything after `?` is the caller's business (maxWait, targetResultSize, Presto's slug=...),
// except that it may not contain a fragment, whitespace or control characters.
const QUERY = '(?:\\?[^#\\s\\u0000-\\u001f\\u007f]*)?'

/** What a query-carrying path is, so a caller can tell a poll from a cancel from a UI page. */
export type QueryPathKind =
  | 'queued' // Trino /v1/statement/queued/{id}/{slug}/{token}, Presto /v1/statement/queued/{id}/{token}?slug=
  | 'executing' // Trino /v1/statement/executing/{id}/{slug}/{token}, Presto /v1/statement/executing/{id}/{token}?slug=
  | 'partial-cancel' // Trino /v1/statement/executing/partialCancel/{id}/{stage}/{slug}/{token}
  | 'legacy' // old /v1/statement/{id}/{token}
  | 'presubmit' // Presto PUT /v1/statement/{id}?slug= (a client-minted id for a NEW query)
  | 'retry' // Presto /v1/statement/queued/retry/{id}
  | 'query' // /v1/query/{id} and its sub-resources (/killed, /preempted)
  | 'stage' // Presto partialCancelUri /v1/stage/{id}.{stage}
  | 'ui-api' // Trino web UI data: /ui/api/query/{id}[/killed|/preempted]
  | 'ui-page' // /ui/query.html?{id} (also the plan, stage and timeline pages)

export interface QueryPath {
  kind: QueryPathKind
  queryId: string
}

// Order matters only for readability: the shapes are disjoint (each one pins its literal prefix
// and its segment count).
const SHAPES: ReadonlyArray<{ kind: QueryPathKind, re: RegExp }> = [
  { kind: 'partial-cancel', re: new RegExp(`^/v1/statement/executing/partialCancel/${ID}/\\d+/${SLUG}/${TOKEN}${QUERY}$`) },
  { kind: 'retry', re: new RegExp(`^/v1/statement/queued/retry/${ID}${QUERY}$`) },
  { kind: 'queued', re: new RegExp(`^/v1/statement/queued/${ID}(?:/${SLUG})?/${TOKEN}${QUERY}$`) },
  { kind: 'executing', re: new RegExp(`^/v1/statement/executing/${ID}(?:/${SLUG})?/${TOKEN}${QUERY}$`) },
  { kind: 'legacy', re: new RegExp(`^/v1/statement/${ID}/${TOKEN}${QUERY}$`) },
  { kind: 'presubmit', re: new RegExp(`^/v1/statement/${ID}${QUERY}$`) },
  { kind: 'query', re: new RegExp(`^/v1/query/${ID}(?:/[A-Za-z]+)?${QUERY}$`) },
  { kind: 'stage', re: new RegExp(`^/v1/stage/${ID}\\.\\d+${QUERY}$`) },
  { kind: 'ui-api', re: new RegExp(`^/ui/api/query/${ID}(?:/[A-Za-z]+)?${QUERY}$`) },
  { kind: 'ui-page', re: new RegExp(`^/ui/(?:query|plan|stage|timeline)\\.html\\?${ID}$`) }
]

/**
 * The kind and query id of a request path (`req.url`: path plus optional query string, not
 * percent-decoded — ids never need encoding, so an encoded one is not a real client's), or
 * undefined for any path that is not exactly one of the known shapes.
 */
export function parseQueryPath (pathWithQuery: string): QueryPath | undefined {
  // Cheap rejection before any regex: every shape lives under /v1/ or /ui/.
  if (pathWithQuery.length < 30 || pathWithQuery.charCodeAt(0) !== 47 /* / */) return undefined
  if (!pathWithQuery.startsWith('/v1/') && !pathWithQuery.startsWith('/ui/')) return undefined
  for (const { kind, re } of SHAPES) {
    const m = re.exec(pathWithQuery)
    if (m !== null) return { kind, queryId: m[1] as string }
  }
  return undefined
}

/** The query id a request path carries (see parseQueryPath), or undefined. */
export function queryIdFromPath (pathWithQuery: string): string | undefined {
  return parseQueryPath(pathWithQuery)?.queryId
}

const SPOOLED_RE = new RegExp(`^/v1/spooled/(?:download|ack|segments)/[A-Za-z0-9_=-]+${QUERY}$`)

/**
 * Trino's spooled-segment URIs (466+): `/v1/spooled/download/{identifier}` and
 * `/v1/spooled/ack/{identifier}` (early releases: `/v1/spooled/segments/{identifier}`, GET to
 * download, DELETE to acknowledge). The identifier is base64url of an AES-encrypted handle that
 * holds the query id, so the id cannot be read from the path: such a request is routed by what
 * the gateway recorded when it rewrote the URI, never by parsing.
 */
export function isSpooledPath (pathWithQuery: string): boolean {
  return SPOOLED_RE.test(pathWithQuery)
}

/** The five-character coordinator-start suffix of a query id, or undefined if it is not one. */
export function suffixOf (queryId: string): string | undefined {
  return QUERY_ID_RE.test(queryId) ? queryId.slice(-5) : undefined
}

// ---------------------------------------------------------------------------------------------
// Gateway-made ids.
//
// Rule: a gateway id has the coordinator shape, and its suffix starts with the digit `0`.
// Coordinators draw suffix characters from a-z2-9 without l and o, so `0` never appears in a
// coordinator's suffix: the two can never collide, and isGatewayQueryId needs no lookup. The
// four characters after the `0` name the gateway instance (default `0000`) so that two replicas
// minting ids in the same second with the same counter still differ.

const GATEWAY_SUFFIX_MARK = '0'
const INSTANCE_RE = /^[a-z0-9]{4}$/

/**
 * A gateway-owned query id for `now` (ms since the epoch, or a Date) and a counter (taken modulo
 * 100 000, like a coordinator's daily counter). `instance` is four characters of [a-z0-9].
 * Throws RangeError for a time outside years 0..9999 or a malformed instance (programming errors).
 */
export function gatewayQueryId (now: number | Date, counter: number, instance = '0000'): string {
  if (!INSTANCE_RE.test(instance)) throw new RangeError(`gateway instance tag must match [a-z0-9]{4}, got ${JSON.stringify(instance)}`)
  const d = typeof now === 'number' ? new Date(now) : now
  const year = d.getUTCFullYear()
  if (!Number.isFinite(year) || year < 0 || year > 9999) throw new RangeError(`time out of range for a query id: ${String(now)}`)
  const n = Number.isFinite(counter) ? ((Math.trunc(counter) % 100_000) + 100_000) % 100_000 : 0
  return pad(year, 4) + pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) + '_' +
    pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + '_' +
    pad(n, 5) + '_' + GATEWAY_SUFFIX_MARK + instance
}

/** Whether an id was made by a gateway (see the rule above); such ids are never looked up on coordinators. */
export function isGatewayQueryId (id: string): boolean {
  return QUERY_ID_RE.test(id) && id.charAt(id.length - 5) === GATEWAY_SUFFIX_MARK
}

function pad (n: number, width: number): string {
  return String(n).padStart(width, '0')
}
