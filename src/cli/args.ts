/** A tiny flag parser: `--name value`, `--name=value` and bare `--flag`; positional words kept in order. */
export function parseArgs (argv: readonly string[], booleans: ReadonlySet<string> = new Set()): { flags: Map<string, string>, positional: string[] } {
  const flags = new Map<string, string>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (!a.startsWith('--')) {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    if (eq > 0) {
      flags.set(a.slice(2, eq), a.slice(eq + 1))
    } else if (booleans.has(a.slice(2))) {
      flags.set(a.slice(2), 'true')
    } else {
      const v = argv[i + 1]
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`)
      flags.set(a.slice(2), v)
      i++
    }
  }
  return { flags, positional }
}
