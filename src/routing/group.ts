import type { IncomingHttpHeaders } from 'node:http'
import type { RoutingMode } from '../config/index.js'
import { clientTags, requestUser, routingGroupHeader, sourceHeader } from '../protocol/headers.js'
import type { RuleMatcher, RuleRequest } from './rules.js'

export interface ResolvedGroup {
  group: string
  /** name of the first matching rule, when one matched (whether it set the group, the mode or both) */
  rule?: string
  /** the mode that rule sets, if any; the caller falls back to routing.mode */
  mode?: RoutingMode
  source: 'header' | 'rule' | 'default'
}

/** The fields rules look at, read from the request headers. */
export function ruleRequestOf (headers: IncomingHttpHeaders): RuleRequest {
  const ua = headers['user-agent']
  return {
    user: requestUser(headers),
    source: sourceHeader(headers),
    clientTags: clientTags(headers),
    userAgent: typeof ua === 'string' && ua !== '' ? ua : undefined
  }
}

/**
 * The routing group of a new query (issue 3, item 4): the routing-group header wins, else the
 * group of the first matching rule, else defaultGroup. Rules are still evaluated when the header
 * names the group: a rule's `mode` is a per-client policy (credentials, client kind) that the
 * header, which only picks capacity, must not bypass. The first matching rule is the only one
 * consulted ("first match wins"): a mode-only rule that matches first leaves the group to the
 * header or the default, it does not let a later rule choose it.
 * Whether the group exists is the caller's check: an unknown group is an error, not a fallback.
 */
export function resolveGroup (headers: IncomingHttpHeaders, matcher: RuleMatcher, defaultGroup: string): ResolvedGroup {
  const fromHeader = routingGroupHeader(headers)
  const rule = matcher.size === 0 ? undefined : matcher.match(ruleRequestOf(headers))
  const resolved: ResolvedGroup = fromHeader !== undefined
    ? { group: fromHeader, source: 'header' }
    : rule?.group !== undefined
      ? { group: rule.group, source: 'rule' }
      : { group: defaultGroup, source: 'default' }
  if (rule !== undefined) {
    resolved.rule = rule.name
    if (rule.mode !== undefined) resolved.mode = rule.mode
  }
  return resolved
}
