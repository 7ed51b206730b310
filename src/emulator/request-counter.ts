// Keeps per-path counts for tests ("the coordinator received none"). Paths embed query ids, so after
// MAX_PATHS distinct ones new paths are folded into their first three segments to bound memory.
const MAX_PATHS = 20_000

function folded (path: string): string {
  return path.split('/').slice(0, 4).join('/')
}

export class RequestCounter {
  private readonly counts = new Map<string, number>()
  private total = 0

  record (path: string): void {
    this.total++
    const key = this.counts.has(path) || this.counts.size < MAX_PATHS ? path : folded(path)
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  count (pathPrefix?: string): number {
    if (pathPrefix === undefined || pathPrefix === '' || pathPrefix === '/') return this.total
    let n = 0
    for (const [path, c] of this.counts) if (path.startsWith(pathPrefix)) n += c
    return n
  }
}
