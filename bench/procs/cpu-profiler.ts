// Preloaded into a gateway under `--profile` (node --import tsx --import ./bench/procs/cpu-profiler.ts):
// the V8 CPU profiler runs while a scenario loads the gateway, not during its start-up (tsx
// compiling the sources). Driven by files, since the gateway owns its signals (close-with-grace
// shuts down on SIGUSR2 too): creating `$PHG_BENCH_PROFILE_DIR/start` starts it, creating `stop`
// stops it and writes `{n}.cpuprofile` there, then logs "cpu profile written FILE" on stderr.
import { existsSync, rmSync, watch, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'

const dir = process.env.PHG_BENCH_PROFILE_DIR
if (dir !== undefined) {
  const session = new Session()
  session.connect()
  let running = false
  let n = 0

  const post = async (method: string, params?: Record<string, unknown>): Promise<unknown> => await new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, res) => { if (err !== null) reject(err); else resolve(res) })
  })

  const check = (): void => {
    if (!running && existsSync(join(dir, 'start'))) {
      rmSync(join(dir, 'start'), { force: true })
      running = true
      post('Profiler.enable')
        .then(async () => await post('Profiler.setSamplingInterval', { interval: 250 }))
        .then(async () => await post('Profiler.start'))
        .then(() => { process.stderr.write('cpu profile started\n') }, (e: unknown) => { process.stderr.write(`cpu profile failed: ${String(e)}\n`) })
    } else if (running && existsSync(join(dir, 'stop'))) {
      rmSync(join(dir, 'stop'), { force: true })
      running = false
      post('Profiler.stop').then((res) => {
        const file = join(dir, `${process.pid}-${++n}.cpuprofile`)
        writeFileSync(file, JSON.stringify((res as { profile: unknown }).profile))
        process.stderr.write(`cpu profile written ${file}\n`)
      }, (e: unknown) => { process.stderr.write(`cpu profile failed: ${String(e)}\n`) })
    }
  }
  const watcher = watch(dir, () => { check() })
  watcher.unref()
}
