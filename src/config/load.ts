import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { Value } from 'typebox/value'
import { ConfigSchema, ClusterSchema, type RawConfig, type ClusterInput } from './schema.js'
import { substituteEnv } from './substitute.js'
import { semanticIssues, clusterIssues } from './semantics.js'
import { ConfigError } from './errors.js'
import type { Config, ClusterConfig, ConfigIssue } from './types.js'

function schemaIssues (schema: object, value: unknown, prefix = ''): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const seen = new Set<string>()
  for (const e of Value.Errors(schema as typeof ConfigSchema, value)) {
    // additionalProperties is reported twice by TypeBox (once as a false schema); keep the readable one.
    if (e.keyword === 'boolean') continue
    let path = prefix + e.instancePath
    let message = e.message
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? []
      for (const key of extra) pushOnce(issues, seen, `${path}/${key}`, 'unknown key')
      continue
    }
    if (e.keyword === 'required') {
      const missing = (e.params as { requiredProperties?: string[] }).requiredProperties ?? []
      for (const key of missing) pushOnce(issues, seen, `${path}/${key}`, 'is required')
      continue
    }
    if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? []
      message = `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`
    } else if (e.keyword === 'pattern' || e.keyword === 'minLength') {
      const desc = describe(schema, e.schemaPath)
      if (desc) message = `must be ${desc}`
    }
    if (path === '') path = '/'
    pushOnce(issues, seen, path, message)
  }
  return issues
}

function pushOnce (issues: ConfigIssue[], seen: Set<string>, path: string, message: string): void {
  const key = `${path}\0${message}`
  if (seen.has(key)) return
  seen.add(key)
  issues.push({ path, message })
}

function describe (schema: object, schemaPath: string): string | undefined {
  let node: unknown = schema
  for (const part of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[part]
  }
  const d = (node as { description?: unknown } | undefined)?.description
  return typeof d === 'string' ? d : undefined
}

function trimSlash (u: string): string {
  return u.replace(/\/+$/, '')
}

export function normalizeCluster (c: ClusterInput, defaultGroup: string): ClusterConfig {
  return {
    name: c.name,
    flavor: c.flavor ?? 'trino',
    group: c.group ?? defaultGroup,
    weight: c.weight,
    failback: c.failback ?? 'sticky',
    minWorkers: c.minWorkers,
    forwardedHeaders: c.forwardedHeaders,
    monitor: c.monitor,
    discovery: c.discovery,
    coordinators: c.coordinators.map((k) => ({
      name: k.name,
      url: trimSlash(k.url),
      externalUrl: trimSlash(k.externalUrl ?? k.url)
    }))
  }
}

/** Validates an already-parsed object (after env substitution). Throws ConfigError with every issue. */
export function validateConfig (input: unknown, source = 'config'): Config {
  if (input === null || input === undefined) input = {}
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(source, [{ path: '/', message: 'must be a mapping' }])
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input)) as RawConfig
  const issues = schemaIssues(ConfigSchema, withDefaults)
  if (issues.length > 0) throw new ConfigError(source, issues)
  issues.push(...semanticIssues(withDefaults))
  if (issues.length > 0) throw new ConfigError(source, issues)
  return {
    ...withDefaults,
    clusters: withDefaults.clusters.map((c) => normalizeCluster(c, withDefaults.routing.defaultGroup))
  }
}

/** Validates one cluster document (admin API PUT), with the same schema as the file. */
export function validateCluster (input: unknown, defaultGroup: string, source = 'cluster'): ClusterConfig {
  const withDefaults = Value.Default(ClusterSchema, structuredClone(input)) as ClusterInput
  const issues = schemaIssues(ClusterSchema, withDefaults)
  if (issues.length === 0) issues.push(...clusterIssues(withDefaults, ''))
  if (issues.length > 0) throw new ConfigError(source, issues)
  return normalizeCluster(withDefaults, defaultGroup)
}

export function parseConfigText (text: string, env: NodeJS.ProcessEnv, source = 'config'): Config {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => ({
      path: e.linePos?.[0] ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '/',
      message: e.message.split('\n')[0] ?? e.message
    })))
  }
  let parsed: unknown
  try {
    parsed = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    // e.g. an alias to an anchor that does not exist, or an alias bomb
    throw new ConfigError(source, [{ path: '/', message: (err as Error).message }])
  }
  const issues: ConfigIssue[] = []
  const substituted = substituteEnv(parsed, env, issues)
  if (issues.length > 0) throw new ConfigError(source, issues)
  return validateConfig(substituted, source)
}

export function loadConfigFile (file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, [{ path: '/', message: `cannot read file: ${(err as Error).message}` }])
  }
  return parseConfigText(text, env, file)
}
