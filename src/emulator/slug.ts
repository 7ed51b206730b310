import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Flavor } from './types.js'

export type SlugContext = 'queued' | 'executing'

/**
 * Trino makes a slug per (context, token) with an HMAC keyed per query, so a URI cannot be guessed
 * or replayed for another token; Presto uses one random slug for the whole query.
 */
export class Slug {
  private readonly key = randomBytes(16)
  private readonly fixed = 'x' + randomUUID().replace(/-/g, '')

  constructor (private readonly flavor: Flavor) {}

  make (context: SlugContext, token: number): string {
    if (this.flavor === 'presto') return this.fixed
    const buf = Buffer.alloc(12)
    buf.writeInt32BE(context === 'queued' ? 0 : 1, 0)
    buf.writeBigInt64BE(BigInt(token), 4)
    return 'y' + createHmac('sha1', this.key).update(buf).digest('hex')
  }

  isValid (context: SlugContext, slug: string, token: number): boolean {
    const expected = Buffer.from(this.make(context, token))
    const given = Buffer.from(slug)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }
}
