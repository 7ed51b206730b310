import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** Debian's chromium (`.ci/run` installs it); playwright-core drives it, it never downloads one. */
export const CHROMIUM = '/usr/bin/chromium'

/** Why the browser tests cannot run here, or false. On CI a missing browser fails instead. */
export const noBrowser: string | false = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `${CHROMIUM} is missing (apt-get install chromium)`

export interface Browser {
  context: BrowserContext
  close: () => Promise<void>
}

/** Headless Chromium with a fresh profile of its own, removed again on close. */
export async function launchChromium (viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const dir = await mkdtemp(join(tmpdir(), 'phg-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 60_000
    })
    return {
      context,
      close: async () => {
        await context.close()
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
