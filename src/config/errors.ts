import createError from '@fastify/error'
import type { ConfigIssue } from './types.js'

const ConfigInvalid = createError('PHG_ERR_CONFIG_INVALID', 'invalid configuration (%s): %s', 500)

/** Carries every problem found, so an operator fixes a config in one round instead of many. */
export class ConfigError extends ConfigInvalid {
  readonly issues: ConfigIssue[]
  readonly source: string
  constructor (source: string, issues: ConfigIssue[]) {
    super(source, issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; '))
    this.issues = issues
    this.source = source
  }
}

export function formatIssues (source: string, issues: ConfigIssue[]): string {
  return [`${source}: ${issues.length} error${issues.length === 1 ? '' : 's'}`,
    ...issues.map((i) => `  ${i.path || '/'}: ${i.message}`)].join('\n')
}
