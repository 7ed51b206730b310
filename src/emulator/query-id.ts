import { randomInt } from 'node:crypto'

// Trino's QueryIdGenerator alphabet: base32 without l and o, so ids read unambiguously.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'
const MAX_COUNTER = 100_000

export function randomSuffix (): string {
  let out = ''
  for (let i = 0; i < 5; i++) out += ALPHABET[randomInt(ALPHABET.length)]
  return out
}

function pad (n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/** Makes `YYYYMMdd_HHmmss_NNNNN_ccccc` ids: UTC time, a counter reset each UTC day, a per-start suffix. */
export class QueryIdGenerator {
  private day = ''
  private counter = 0

  constructor (readonly suffix: string = randomSuffix()) {}

  next (now = new Date()): string {
    const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1, 2)}${pad(now.getUTCDate(), 2)}`
    const time = `${pad(now.getUTCHours(), 2)}${pad(now.getUTCMinutes(), 2)}${pad(now.getUTCSeconds(), 2)}`
    if (date !== this.day) {
      this.day = date
      this.counter = 0
    }
    const id = `${date}_${time}_${pad(this.counter, 5)}_${this.suffix}`
    this.counter = (this.counter + 1) % MAX_COUNTER
    return id
  }
}

export const QUERY_ID_PATTERN = /^\d{8}_\d{6}_\d{5}_[a-z0-9]{5}$/
