import type { Config, RoutingMode } from '../config/index.js'

// routing.rules: first match wins; a rule matches when every field it gives matches
// (DESIGN.md, Configuration). Regexes are compiled once here, not per request.

export type RoutingRule = Config['routing']['rules'][number]

/** What a rule is matched against; callers derive it from the request headers. */
export interface RuleRequest {
  user?: string | undefined
  source?: string | undefined
  clientTags: readonly string[]
  userAgent?: string | undefined
}

/** The part of a matched rule that routing acts on. */
export interface MatchedRule {
  name: string
  group?: string | undefined
  mode?: RoutingMode | undefined
}

export interface RuleMatcher {
  /** The first rule every given field of which matches, or undefined. */
  match: (request: RuleRequest) => MatchedRule | undefined
  /** Number of rules; 0 lets callers skip deriving the request at all. */
  readonly size: number
}

interface CompiledRule {
  result: MatchedRule
  user: RegExp | undefined
  source: RegExp | undefined
  userAgent: RegExp | undefined
  clientTags: readonly string[] | undefined
}

/**
 * Compiles the rules. A regex is tested unanchored, as JavaScript's RegExp.test does (write `^`
 * and `$` to anchor). A field the request lacks never matches a pattern, even one like `.*`:
 * a rule about users says nothing about requests that name none. Throws an Error naming the
 * rule for an invalid regex (the config loader reports those first).
 */
export function compileRules (rules: readonly RoutingRule[]): RuleMatcher {
  const compiled: CompiledRule[] = rules.map((r) => ({
    result: { name: r.name, group: r.group, mode: r.mode },
    user: compile(r.name, 'user', r.match.user),
    source: compile(r.name, 'source', r.match.source),
    userAgent: compile(r.name, 'userAgent', r.match.userAgent),
    clientTags: r.match.clientTags !== undefined && r.match.clientTags.length > 0 ? [...r.match.clientTags] : undefined
  }))
  return {
    size: compiled.length,
    match (request) {
      for (const rule of compiled) {
        if (matches(rule, request)) return rule.result
      }
      return undefined
    }
  }
}

function compile (rule: string, field: string, source: string | undefined): RegExp | undefined {
  if (source === undefined) return undefined
  try {
    // No flags: 'g' or 'y' would make test() stateful through lastIndex.
    return new RegExp(source)
  } catch (err) {
    throw new Error(`routing rule "${rule}": invalid regular expression in match.${field}: ${(err as Error).message}`)
  }
}

function matches (rule: CompiledRule, request: RuleRequest): boolean {
  if (!test(rule.user, request.user)) return false
  if (!test(rule.source, request.source)) return false
  if (!test(rule.userAgent, request.userAgent)) return false
  if (rule.clientTags !== undefined) {
    for (const tag of rule.clientTags) {
      if (!request.clientTags.includes(tag)) return false
    }
  }
  return true
}

function test (re: RegExp | undefined, value: string | undefined): boolean {
  if (re === undefined) return true
  return value !== undefined && re.test(value)
}
