import type { ConfigIssue } from './types.js'

const VAR = /\$\$\{|\$\{([^}]*)\}/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Replaces ${VAR} in every string value (not in keys, and never in the raw text: a value holding
 * YAML syntax must not change the document's shape). `$${` stands for a literal `${`.
 */
export function substituteEnv (value: unknown, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (whole, name: string | undefined) => {
      if (whole === '$${') return '${'
      if (name === undefined || !NAME.test(name)) {
        issues.push({ path, message: `bad variable reference "${whole}"` })
        return whole
      }
      const v = env[name]
      if (v === undefined) {
        issues.push({ path, message: `environment variable ${name} is not set` })
        return ''
      }
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, `${path}/${i}`))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, issues, `${path}/${k}`)
    return out
  }
  return value
}
