#!/usr/bin/env node
// The command line: the only module with process side effects (exit codes, signals, stdout).
import { readFileSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { loadConfigFile, ConfigError, formatIssues } from './config/index.js'
import { buildApp } from './app.js'
import { reloadConfig } from './config/hot-reload.js'
import { watchConfigFile } from './config/watch.js'
import { checkConfig } from './cli/check-config.js'
import { startDemo } from './cli/demo.js'
import { parseArgs } from './cli/args.js'
import { parseEmulateArgs, startEmulator } from './emulator/index.js'

const USAGE = `usage:
  presto-ha-gateway --config FILE          run the gateway (or set GATEWAY_CONFIG)
  presto-ha-gateway demo [--port 8080]     gateway + 2 emulated clusters of 2 coordinators each
  presto-ha-gateway emulate --port P [--host H] [--flavor trino|presto] [--environment E]
                            [--auth USER:PASS] [--workers N] [--control-port C] [--accept-forwarded]
  presto-ha-gateway check-config FILE      validate a config; every error with its path`

const out = (s: string): void => { process.stdout.write(s + '\n') }
const err = (s: string): void => { process.stderr.write(s + '\n') }

function version (): string {
  // src/server.ts under tsx, dist/src/server.js when built
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string, version: string }
      if (pkg.name === 'presto-ha-gateway') return pkg.version
    } catch {}
  }
  return 'unknown'
}

/** SIGTERM/SIGINT: stop saying ready, wait out the grace period, then finish what is in flight. */
function onSignals (close: () => Promise<void>, graceMs: number, beforeGrace: () => void): void {
  // SIGHUP reloads the config (runGateway); it must not start a shutdown.
  closeWithGrace({ delay: graceMs + 30_000, skip: ['SIGHUP'] }, async ({ signal, err: e }) => {
    if (e !== undefined) err(`fatal: ${String(e)}`)
    if (signal !== undefined) {
      beforeGrace()
      await new Promise((resolve) => setTimeout(resolve, graceMs))
    }
    await close()
  })
}

async function runGateway (file: string): Promise<void> {
  const config = loadConfigFile(file)
  const app = await buildApp(config)
  await app.listen({ port: config.server.port, host: config.server.host })
  // Reloads run one after another: a SIGHUP and a file change arriving together apply once each.
  let reloading = Promise.resolve()
  const reload = (why: string): void => {
    reloading = reloading.then(async () => {
      app.log.info({ file, why }, 'reloading config')
      await reloadConfig(app.gateway, file)
    }).catch((e: unknown) => { app.log.error({ err: e }, 'config reload crashed') })
  }
  const watcher = watchConfigFile(file, () => { reload('file changed') })
  process.on('SIGHUP', () => { reload('SIGHUP') })
  onSignals(async () => {
    watcher.close()
    await app.close()
  }, config.server.shutdownGraceMs, () => { app.gateway.lifecycle.phase = 'stopping' })
}

async function main (argv: string[]): Promise<number | undefined> {
  const [cmd, ...rest] = argv
  switch (cmd) {
    case 'check-config':
      return checkConfig(rest[0], process.env, out, err)
    case 'demo': {
      const { flags } = parseArgs(rest)
      const demo = await startDemo({ port: Number(flags.get('port') ?? process.env.PORT ?? 8080), host: flags.get('host') ?? '127.0.0.1' })
      out(`\npresto-ha-gateway demo: point a Trino/Presto client at ${demo.url}`)
      out(`  e.g. trino --server ${demo.url} --execute "SELECT 1, 'hello'"`)
      out(`  dashboard ${demo.url}/dashboard · admin token for this run: ${demo.adminToken}`)
      out(`  metrics ${demo.url}/metrics · readiness ${demo.url}/readyz · admin API ${demo.url}/admin/docs`)
      for (const e of demo.emulators) out(`  emulated coordinator ${e.url}`)
      onSignals(demo.close, 0, () => {})
      return undefined
    }
    case 'emulate': {
      const emu = await startEmulator(parseEmulateArgs(rest))
      out(`emulated ${emu.url} (query id suffix ${emu.queryIdSuffix})`)
      onSignals(emu.close, 0, () => {})
      return undefined
    }
    case '--help': case '-h': case 'help':
      out(USAGE)
      return 0
    case '--version':
      out(version())
      return 0
    default: {
      const { flags } = parseArgs(argv)
      const file = flags.get('config') ?? process.env.GATEWAY_CONFIG
      if (file === undefined) {
        err(USAGE)
        return 2
      }
      await runGateway(file)
      return undefined
    }
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code
}, (e: unknown) => {
  if (e instanceof ConfigError) err(formatIssues(e.source, e.issues))
  else err(`error: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
})
