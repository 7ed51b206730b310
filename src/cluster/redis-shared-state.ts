// SharedState in Redis: drains and runtime cluster overrides, the same on every replica.
//
// Keys (under keyPrefix): "admin" hash cluster → JSON {state, at, by}; "clusters" hash name → JSON
// ClusterOverride, or {cleared: true, updatedAt} once the override was dropped. ('active' and
// 'cleared' stay as tombstones so that "newer wins" also holds for an undo.) Channel "{prefix}ha:shared" carries every change
// with its content ({t: 'admin-state', cluster, state, at, by} / {t: 'override', name, override}),
// so other replicas apply it at once; they re-read both hashes whenever their subscriber
// (re)subscribes or Redis comes back, in case a message was lost.
//
// Each replica keeps a copy. A change made while Redis is unreachable applies locally and is
// written when Redis answers again, unless Redis holds a newer one (compared by time: SET_IF_NEWER).
// When Redis comes back as a new server (restarted, possibly empty; Sentinel failover) every
// replica republishes its copy the same way, then reads back the result.
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { ClusterInput } from '../config/schema.js'
import type { RedisStoreConfig } from '../affinity/types.js'
import type { AdminState } from './cluster-runtime.js'
import type { ClusterOverride, SharedState, SharedStateEvents } from './shared-state.js'
import { HaRedis, checkExec, errorMessage, type HaRedisMetrics, type HaRedisTuning } from './ha-redis.js'

interface StateEntry { state: AdminState, at: number, by: string }

type Pending =
  | { kind: 'admin', field: string, entry: StateEntry }
  | { kind: 'override', field: string, override: ClusterOverride | undefined, at: number }

/** Writes ARGV[2] unless the stored value is newer (ARGV[3], epoch ms), and publishes ARGV[4]. */
const SET_IF_NEWER_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, d = pcall(cjson.decode, cur)
  if ok and type(d) == 'table' then
    local at = tonumber(d.at or d.updatedAt or 0) or 0
    if at > tonumber(ARGV[3]) then return 0 end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[4])
return 1
`

interface SharedCommands {
  phgSetIfNewer(key: string, field: string, value: string, at: number, message: string, channel: string): Promise<number>
}

export interface RedisSharedStateDeps {
  logger: Logger
  metrics?: HaRedisMetrics
  tuning?: Partial<HaRedisTuning>
  /** how long start() waits for Redis (default 2000 ms) */
  startWaitMs?: number
}

export class RedisSharedState extends EventEmitter<SharedStateEvents> implements SharedState {
  private readonly ha: HaRedis
  private readonly states = new Map<string, StateEntry>()
  private readonly docs = new Map<string, ClusterOverride>()
  /** changes made while Redis was unreachable, by hash field */
  private readonly pending = new Map<string, Pending>()
  private syncing: Promise<void> | undefined
  private syncAgain = false
  private republish = false
  private closed = false

  constructor (cfg: RedisStoreConfig, private readonly deps: RedisSharedStateDeps) {
    super()
    this.ha = new HaRedis(cfg, 'ha:shared', 'shared', { logger: deps.logger, metrics: deps.metrics, tuning: deps.tuning })
    this.ha.client.defineCommand('phgSetIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER_LUA })
    this.ha.on('message', (doc) => { this.onMessage(doc) })
    this.ha.on('up', (newServer) => {
      if (newServer) this.republish = true
      this.kick()
    })
    this.ha.on('resync', () => { this.kick() })
  }

  healthy (): boolean {
    return this.ha.healthy()
  }

  async start (): Promise<void> {
    this.ha.start()
    if (await this.ha.ready(this.deps.startWaitMs ?? 2000)) {
      await this.sync().catch(() => {})
    } else {
      this.deps.logger.warn({ redis: this.ha.target }, 'shared state: Redis unreachable at start; drains and runtime clusters apply when it answers')
    }
  }

  async close (): Promise<void> {
    this.closed = true
    await this.ha.close()
  }

  // ---- admin states ---------------------------------------------------------------------------

  async setAdminState (cluster: string, state: AdminState, by: string): Promise<void> {
    const entry: StateEntry = { state, at: Date.now(), by }
    this.applyState(cluster, entry, true)
    await this.write({ kind: 'admin', field: cluster, entry })
  }

  adminStates (): ReadonlyMap<string, AdminState> {
    const out = new Map<string, AdminState>()
    for (const [cluster, e] of this.states) if (e.state !== 'active') out.set(cluster, e.state)
    return out
  }

  // ---- runtime clusters -----------------------------------------------------------------------

  async putCluster (doc: ClusterInput, by: string): Promise<void> {
    const override: ClusterOverride = { doc, updatedAt: Date.now(), by }
    this.applyOverride(doc.name, override)
    await this.write({ kind: 'override', field: doc.name, override, at: override.updatedAt })
  }

  async deleteCluster (name: string, by: string): Promise<void> {
    const override: ClusterOverride = { doc: null, updatedAt: Date.now(), by }
    this.applyOverride(name, override)
    const entry: StateEntry = { state: 'active', at: override.updatedAt, by }
    this.applyState(name, entry, false)
    await this.write({ kind: 'override', field: name, override, at: override.updatedAt })
    await this.write({ kind: 'admin', field: name, entry })
  }

  async clearOverride (name: string): Promise<void> {
    if (!this.docs.has(name)) return
    const at = Date.now()
    this.applyOverride(name, undefined)
    await this.write({ kind: 'override', field: name, override: undefined, at })
  }

  overrides (): ReadonlyMap<string, ClusterOverride> {
    return this.docs
  }

  // ---- internals ------------------------------------------------------------------------------

  private adminKey (): string { return this.ha.key('admin') }
  private clustersKey (): string { return this.ha.key('clusters') }

  private keyOf (p: Pending): string {
    return p.kind === 'admin' ? this.adminKey() : this.clustersKey()
  }

  private encode (p: Pending): string {
    if (p.kind === 'admin') return JSON.stringify(p.entry)
    return JSON.stringify(p.override ?? { cleared: true, updatedAt: p.at, by: '' })
  }

  private applyState (cluster: string, entry: StateEntry, always: boolean): void {
    const before = this.states.get(cluster)?.state ?? 'active'
    if (entry.state === 'active') this.states.delete(cluster)
    else this.states.set(cluster, entry)
    if (always || before !== entry.state) this.emit('admin-state', cluster, entry.state)
  }

  private applyOverride (name: string, override: ClusterOverride | undefined): void {
    const before = this.docs.get(name)
    if (override === undefined) this.docs.delete(name)
    else this.docs.set(name, override)
    if (JSON.stringify(before) !== JSON.stringify(override)) this.emit('overrides')
  }

  private message (p: Pending): string {
    return p.kind === 'admin'
      ? JSON.stringify({ t: 'admin-state', cluster: p.field, state: p.entry.state, at: p.entry.at, by: p.entry.by })
      : JSON.stringify({ t: 'override', name: p.field, override: p.override ?? null })
  }

  /** Writes one change (publishing it); kept for later if Redis does not take it now. */
  private async write (p: Pending): Promise<void> {
    const key = `${p.kind}:${p.field}`
    if (!this.ha.healthy()) {
      this.pending.set(key, p)
      this.deps.logger.warn({ change: key }, 'shared state: Redis unreachable; the change applies on this replica now and on the others once Redis answers')
      return
    }
    try {
      await this.ha.run('shared-set', async (c) => checkExec(await c.multi()
        .hset(this.keyOf(p), p.field, this.encode(p))
        .publish(this.ha.channel, this.message(p))
        .exec()))
      this.pending.delete(key)
    } catch (err) {
      this.pending.set(key, p)
      this.deps.logger.warn({ change: key, err: errorMessage(err) }, 'shared state: write failed; retried when Redis answers')
    }
  }

  private onMessage (doc: Record<string, unknown>): void {
    if (doc.t === 'admin-state' && typeof doc.cluster === 'string' && (doc.state === 'active' || doc.state === 'draining')) {
      this.applyState(doc.cluster, { state: doc.state, at: Number(doc.at ?? Date.now()), by: String(doc.by ?? '') }, false)
    } else if (doc.t === 'override' && typeof doc.name === 'string') {
      const o = doc.override as ClusterOverride | null | undefined
      this.applyOverride(doc.name, o === null || o === undefined ? undefined : o)
    }
  }

  private kick (): void {
    this.sync().catch((err: unknown) => { this.deps.logger.debug({ err: errorMessage(err) }, 'shared state: sync failed; retried when Redis answers') })
  }

  /** Flushes pending changes (all local copies after a Redis restart), then re-reads both hashes. */
  private async sync (): Promise<void> {
    if (this.syncing !== undefined) {
      this.syncAgain = true
      return await this.syncing
    }
    const run = (async () => {
      // Yield first: the loop must not finish before `syncing` is set (it may return at once).
      await Promise.resolve()
      do {
        this.syncAgain = false
        if (this.closed || !this.ha.healthy()) return
        await this.syncOnce()
      } while (this.syncAgain)
    })()
    this.syncing = run
    try {
      await run
    } finally {
      if (this.syncing === run) this.syncing = undefined
    }
  }

  private async syncOnce (): Promise<void> {
    const writes = [...this.pending.values()]
    if (this.republish) {
      for (const [cluster, entry] of this.states) writes.push({ kind: 'admin', field: cluster, entry })
      for (const [name, override] of this.docs) writes.push({ kind: 'override', field: name, override, at: override.updatedAt })
    }
    if (writes.length > 0) {
      await this.ha.run('shared-republish', async (c) => {
        const p = c.pipeline()
        for (const w of writes) {
          const at = w.kind === 'admin' ? w.entry.at : w.at
          ;(p as unknown as SharedCommands).phgSetIfNewer(this.keyOf(w), w.field, this.encode(w), at, this.message(w), this.ha.channel)
        }
        return checkExec(await p.exec())
      })
      if (this.republish) this.deps.logger.info({ drains: this.states.size, overrides: this.docs.size }, 'shared state: Redis is a new server; republished drains and runtime clusters')
      this.republish = false
      for (const w of writes) {
        const key = `${w.kind}:${w.field}`
        if (this.pending.get(key) === w) this.pending.delete(key)
      }
    }
    const [admin, clusters] = await this.ha.run('shared-load', async (c) => checkExec(await c.multi().hgetall(this.adminKey()).hgetall(this.clustersKey()).exec())) as [Record<string, string>, Record<string, string>]
    const seen = new Set<string>()
    for (const [cluster, text] of Object.entries(admin)) {
      const e = parse<StateEntry>(text)
      if (e === undefined || (e.state !== 'draining' && e.state !== 'active')) continue
      seen.add(cluster)
      this.applyState(cluster, e, false)
    }
    for (const cluster of [...this.states.keys()]) {
      if (!seen.has(cluster)) this.applyState(cluster, { state: 'active', at: Date.now(), by: '' }, false)
    }
    const names = new Set<string>()
    for (const [name, text] of Object.entries(clusters)) {
      const o = parse<ClusterOverride & { cleared?: boolean }>(text)
      if (o === undefined || o.cleared === true) continue
      names.add(name)
      this.applyOverride(name, o)
    }
    for (const name of [...this.docs.keys()]) if (!names.has(name)) this.applyOverride(name, undefined)
  }
}

function parse<T> (text: string): T | undefined {
  try { return JSON.parse(text) as T } catch { return undefined }
}
