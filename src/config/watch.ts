import { watch, readFileSync, type FSWatcher } from 'node:fs'
import { createHash } from 'node:crypto'
import { basename, dirname } from 'node:path'

/**
 * Calls `onChange` when the file's content changes. Watches the directory, not the file, because
 * editors and Kubernetes ConfigMaps replace files by rename; a burst of events is debounced and a
 * change that leaves the bytes the same is ignored.
 */
export function watchConfigFile (file: string, onChange: () => void, debounceMs = 200): { close: () => void } {
  const name = basename(file)
  let last = hash(file)
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..')) return
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(() => {
        const now = hash(file)
        if (now === undefined || now === last) return
        last = now
        onChange()
      }, debounceMs)
      timer.unref()
    })
  } catch {
    watcher = undefined
  }
  return {
    close: () => {
      if (timer !== undefined) clearTimeout(timer)
      watcher?.close()
    }
  }
}

function hash (file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex')
  } catch {
    return undefined
  }
}
