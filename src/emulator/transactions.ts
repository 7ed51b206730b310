import { randomUUID } from 'node:crypto'

/** The transactions this coordinator started and has not yet ended: ids from elsewhere are unknown here. */
export class TransactionRegistry {
  private readonly active = new Map<string, { createdAt: number }>()

  begin (): string {
    const id = randomUUID()
    this.active.set(id, { createdAt: Date.now() })
    return id
  }

  isActive (id: string): boolean {
    return this.active.has(id)
  }

  end (id: string): boolean {
    return this.active.delete(id)
  }

  list (): string[] {
    return [...this.active.keys()]
  }
}
