import type { EmulatorOptions, Flavor } from './types.js'

const USAGE = 'usage: presto-ha-gateway emulate --port P [--host H] [--flavor trino|presto] [--environment E] [--auth USER:PASS] [--workers N] [--control-port C] [--accept-forwarded]'

function port (flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`${flag} must be a port number (0-65535), got '${value}'\n${USAGE}`)
  return Number(value)
}

/** Options for `presto-ha-gateway emulate ...`; accepts the arguments with or without the leading `emulate`. */
export function parseEmulateArgs (argv: string[]): EmulatorOptions {
  const args = argv[0] === 'emulate' ? argv.slice(1) : [...argv]
  const opts: EmulatorOptions = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    const eq = arg.indexOf('=')
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg
    const takeValue = (): string => {
      if (eq > 0 && arg.startsWith('--')) return arg.slice(eq + 1)
      const v = args[++i]
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`)
      return v
    }
    switch (flag) {
      case '--port': opts.port = port(flag, takeValue()); break
      case '--control-port': opts.controlPort = port(flag, takeValue()); break
      case '--host': opts.host = takeValue(); break
      case '--environment': {
        const env = takeValue()
        if (!/^[a-z0-9][_a-z0-9]*$/.test(env)) throw new Error(`--environment must match [a-z0-9][_a-z0-9]*, got '${env}'`)
        opts.environment = env
        break
      }
      case '--flavor': {
        const f = takeValue()
        if (f !== 'trino' && f !== 'presto') throw new Error(`--flavor must be trino or presto, got '${f}'\n${USAGE}`)
        opts.flavor = f as Flavor
        break
      }
      case '--auth': {
        const v = takeValue()
        const colon = v.indexOf(':')
        if (colon <= 0) throw new Error(`--auth must be USER:PASSWORD, got '${v}'`)
        opts.auth = { user: v.slice(0, colon), password: v.slice(colon + 1) }
        break
      }
      case '--workers': {
        const v = takeValue()
        if (!/^\d+$/.test(v)) throw new Error(`--workers must be a non-negative integer, got '${v}'`)
        opts.workers = Number(v)
        break
      }
      case '--accept-forwarded':
        if (eq > 0) throw new Error('--accept-forwarded takes no value')
        opts.acceptForwarded = true
        break
      default:
        throw new Error(`unknown argument '${arg}'\n${USAGE}`)
    }
  }
  return opts
}
