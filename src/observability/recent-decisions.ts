export interface Decision {
  at: number
  queryId: string | undefined
  user: string | undefined
  group: string
  cluster: string | undefined
  coordinator: string | undefined
  mode: string
  outcome: 'routed' | 'retried' | 'unroutable'
  detail?: string | undefined
}

/** A fixed-size ring of the latest routing decisions, for the dashboard and the admin API. */
export class RecentDecisions {
  private readonly ring: Array<Decision | undefined>
  private next = 0

  constructor (private readonly size = 200) {
    this.ring = new Array<Decision | undefined>(size)
  }

  add (d: Decision): void {
    this.ring[this.next] = d
    this.next = (this.next + 1) % this.size
  }

  /** newest first */
  list (limit = this.size): Decision[] {
    const out: Decision[] = []
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const d = this.ring[(this.next - i + this.size) % this.size]
      if (d !== undefined) out.push(d)
    }
    return out
  }
}
