// The rig's helper processes (load generator, emulators, baselines, workers, affinity probe) are
// bundled once per run with esbuild (the transform tsx itself uses), so each starts in a fraction
// of a second instead of compiling its modules through tsx's loader — start-up is most of a quick
// run, and the failover scenario starts fresh emulators and workers for every run. npm packages
// stay external (resolved from node_modules). The gateway is never bundled: it always runs as
// `node --import tsx src/server.ts`. When esbuild is not there or fails, helpers run through tsx.
import { join } from 'node:path'
import { ROOT, setHelperBuild } from './procs.js'

const HELPERS = ['loadgen', 'emulators', 'baseline-redirect', 'baseline-proxy', 'baseline-fastify', 'workers', 'affinity']

export async function buildHelpers (log: (s: string) => void): Promise<void> {
  const outdir = join(ROOT, 'node_modules/.cache/presto-ha-gateway-bench')
  try {
    const esbuild = await import('esbuild')
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: HELPERS.map((h) => `bench/procs/${h}.ts`),
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent'
    })
    setHelperBuild(outdir)
  } catch (err) {
    log(`(helpers run through tsx: bundling them failed: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)})`)
  }
}
