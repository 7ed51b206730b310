import { createHash, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config/index.js'

export type Role = 'admin' | 'viewer'
export interface Principal { name: string, role: Role }

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/**
 * Bearer tokens from `admin.tokens`. Every configured token is compared, in constant time, on
 * digests of equal length, so neither the match position nor the token length leaks by timing.
 */
export class TokenAuth {
  private readonly tokens: Array<{ digest: Buffer, principal: Principal }>

  constructor (tokens: Config['admin']['tokens']) {
    this.tokens = tokens.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role } }))
  }

  get enabled (): boolean {
    return this.tokens.length > 0
  }

  /** The principal of an `Authorization: Bearer ...` header, or undefined. */
  authenticate (authorization: string | undefined): Principal | undefined {
    if (authorization === undefined) return undefined
    const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization)
    if (m?.[1] === undefined) return undefined
    const presented = digest(m[1])
    let found: Principal | undefined
    for (const t of this.tokens) {
      if (timingSafeEqual(presented, t.digest) && found === undefined) found = t.principal
    }
    return found
  }
}
