// The primary authority of gateway replicas that share a Redis: one primary per cluster for all.
//
// Keys (under keyPrefix, default "phg:"):
//   ha:primary:{cluster}    hash    coordinator, epoch, reason, by (replica id), at (epoch ms)
//   ha:obs:{replica}        string  JSON {cluster: {coordinator: vote}}, PX = a few health intervals
//   ha:replicas             zset    replica ids (score: last heartbeat); pruned when their obs key expired
//   ha:switching:{cluster}  string  JSON {to, by}: a graceful switchover holds new queries (PX, refreshed)
// Channel "{prefix}ha:primaries": {t: 'primary', cluster, coordinator, epoch, reason, by} and
// {t: 'switching', cluster, to}.
//
// A vote is what one replica sees of a coordinator: 'up' (takes queries), or 'down', 'starting',
// 'suspect' (a forward to it failed), 'shutting-down', 'stale' (no success for too long). A replica
// that has not checked a coordinator yet has no vote on it.
//
// A change of primary is a compare-and-set in Lua on the epoch (CAS_LUA): it applies only if the
// epoch is still the one the proposer holds, and only if a strict majority of the live replicas
// that vote on it sees the current primary not up and the candidate up (prefer-first failback:
// the candidate up; an operator switchover: no vote). A replica cut off from the primary alone is
// outvoted; a replica alone decides alone. The winner publishes; every replica installs at once
// through ClusterRegistry.installPrimary, and re-reads the primaries on each heartbeat in case a
// message was lost. Epochs only grow: the CAS writes epoch+1, RESTORE_LUA writes a replica's known
// epoch only over a lower one (Redis restarted empty, or a lagging copy).
//
// Without Redis: the last agreed primaries stay; proposals are dropped (registry.eligibility
// already routes new queries away from a primary this replica sees down). A replica that starts
// while Redis is unreachable installs the first up coordinator provisionally at epoch 0, so it can
// route; the agreed primary (epoch ≥ 1) replaces it as soon as Redis answers.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import type { GatewayContext } from '../gateway-context.js'
import type { PrimaryAuthority } from './local-authority.js'
import type { ClusterRuntime } from './cluster-runtime.js'
import type { CoordinatorStatus } from './coordinator-status.js'
import { HaRedis, checkExec, errorMessage, type HaRedisTuning } from './ha-redis.js'
import { HaUnavailableError, SwitchoverAbortedError, UnknownClusterError } from './ha-errors.js'
import type { PrimaryMover } from './switchover.js'

export interface RedisAuthorityOptions {
  /** how long start() waits for Redis before carrying on without it (default 2000 ms) */
  startWaitMs?: number
  /** lifetime of this replica's published votes (default max(3 × health.intervalMs + timeoutMs, 2000)) */
  observationTtlMs?: number
  /** period of the heartbeat that republishes votes and re-reads the primaries (default health.intervalMs) */
  heartbeatMs?: number
  /** lifetime of a switchover's hold on new queries unless refreshed (default 15000 ms) */
  switchingTtlMs?: number
  redis?: Partial<HaRedisTuning>
  /** replica id in Redis (default host:pid:random) */
  replicaId?: string
}

type Vote = 'up' | 'down' | 'starting' | 'unknown' | 'suspect' | 'shutting-down' | 'stale'
type Mode = 'quorum' | 'failback' | 'force'
type CasStatus = 'won' | 'stale' | 'same' | 'refused'

interface CasResult {
  status: CasStatus
  coordinator: string | undefined
  epoch: number
  /** replicas that see the current primary not up / that vote on it; the same for the candidate up */
  down: number
  voters: number
  up: number
  votersNew: number
}

const CAS_LUA = `
redis.call('SET', KEYS[3], ARGV[9], 'PX', ARGV[10])
redis.call('ZADD', KEYS[2], ARGV[11], ARGV[4])
local cur = redis.call('HMGET', KEYS[1], 'coordinator', 'epoch')
local curCoord = cur[1]
if not curCoord then curCoord = '' end
local curEpoch = tonumber(cur[2]) or 0
if curEpoch ~= tonumber(ARGV[1]) then return {'stale', curCoord, curEpoch, 0, 0, 0, 0} end
if curCoord == ARGV[2] then return {'same', curCoord, curEpoch, 0, 0, 0, 0} end
local voters, down, votersNew, up = 0, 0, 0, 0
if ARGV[6] ~= 'force' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local raw = redis.call('GET', ARGV[7] .. id)
    if not raw then
      redis.call('ZREM', KEYS[2], id)
    else
      local ok, doc = pcall(cjson.decode, raw)
      if ok and type(doc) == 'table' and type(doc[ARGV[5]]) == 'table' then
        local view = doc[ARGV[5]]
        if curCoord ~= '' and view[curCoord] ~= nil then
          voters = voters + 1
          if view[curCoord] ~= 'up' then down = down + 1 end
        end
        if view[ARGV[2]] ~= nil then
          votersNew = votersNew + 1
          if view[ARGV[2]] == 'up' then up = up + 1 end
        end
      end
    end
  end
  local curOk = curCoord == '' or ARGV[6] == 'failback' or down * 2 > voters
  if not (curOk and up * 2 > votersNew) then return {'refused', curCoord, curEpoch, down, voters, up, votersNew} end
end
local epoch = curEpoch + 1
redis.call('HSET', KEYS[1], 'coordinator', ARGV[2], 'epoch', epoch, 'reason', ARGV[3], 'by', ARGV[4], 'at', ARGV[11])
redis.call('PUBLISH', ARGV[8], cjson.encode({t = 'primary', cluster = ARGV[5], coordinator = ARGV[2], epoch = epoch, reason = ARGV[3], by = ARGV[4]}))
return {'won', ARGV[2], epoch, down, voters, up, votersNew}
`

const RESTORE_LUA = `
local cur = redis.call('HMGET', KEYS[1], 'coordinator', 'epoch')
local curEpoch = tonumber(cur[2]) or 0
if curEpoch >= tonumber(ARGV[2]) then return {'kept', cur[1] or '', curEpoch} end
redis.call('HSET', KEYS[1], 'coordinator', ARGV[1], 'epoch', ARGV[2], 'reason', ARGV[3], 'by', ARGV[4], 'at', ARGV[7])
redis.call('PUBLISH', ARGV[6], cjson.encode({t = 'primary', cluster = ARGV[5], coordinator = ARGV[1], epoch = tonumber(ARGV[2]), reason = ARGV[3], by = ARGV[4]}))
return {'restored', ARGV[1], tonumber(ARGV[2])}
`

interface HaCommands {
  phgHaCas(primaryKey: string, replicasKey: string, obsKey: string, expected: number, to: string, reason: string, replica: string,
    cluster: string, mode: Mode, obsPrefix: string, channel: string, obs: string, ttlMs: number, now: number): Promise<unknown[]>
  phgHaRestore(primaryKey: string, coordinator: string, epoch: number, reason: string, replica: string, cluster: string, channel: string, now: number): Promise<unknown[]>
}

/** What this replica tells the others about a coordinator; undefined before its first check. */
export function voteOf (s: CoordinatorStatus, now: number, staleAfterMs: number): Vote | undefined {
  if (s.lastCheckAt === undefined) return undefined
  if (s.suspect) return 'suspect'
  if (s.health !== 'up') return s.health
  if (s.shuttingDown) return 'shutting-down'
  if (s.lastSuccessAt === undefined || now - s.lastSuccessAt > staleAfterMs) return 'stale'
  return 'up'
}

/** Builds the Redis authority (used by buildApp when `store.redis` is configured). */
export function redisAuthority (ctx: GatewayContext, opts: RedisAuthorityOptions = {}): RedisAuthority {
  return new RedisAuthority(ctx, opts)
}

export class RedisAuthority implements PrimaryAuthority, PrimaryMover {
  readonly replicaId: string
  private readonly ha: HaRedis
  private readonly startWaitMs: number
  private readonly heartbeatMs: number
  private readonly switchingTtlMs: number
  private readonly observationTtlMs: number | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly inflight = new Set<string>()
  private beating: Promise<void> | undefined
  private beatAgain = false
  private closed = false
  /** last refusal logged per cluster, so a refused proposal is logged once and not every check */
  private readonly refusalLogged = new Map<string, string>()
  private readonly frozenLogged = new Set<string>()

  constructor (private readonly ctx: GatewayContext, opts: RedisAuthorityOptions = {}) {
    const cfg = ctx.config.store.redis
    if (cfg === undefined) throw new Error('redisAuthority needs store.redis')
    this.replicaId = opts.replicaId ?? `${hostname()}:${process.pid}:${ctx.instanceTag}${randomBytes(3).toString('hex')}`
    this.startWaitMs = opts.startWaitMs ?? 2000
    this.heartbeatMs = opts.heartbeatMs ?? ctx.config.health.intervalMs
    this.switchingTtlMs = opts.switchingTtlMs ?? 15_000
    this.observationTtlMs = opts.observationTtlMs
    this.ha = new HaRedis(cfg, 'ha:primaries', 'ha', {
      logger: ctx.logger,
      metrics: { redisLatency: (op, s) => ctx.metrics.redisSeconds.observe({ op }, s), redisError: (op) => ctx.metrics.redisErrors.inc({ op }) },
      tuning: opts.redis
    })
    this.ha.client.defineCommand('phgHaCas', { numberOfKeys: 3, lua: CAS_LUA })
    this.ha.client.defineCommand('phgHaRestore', { numberOfKeys: 1, lua: RESTORE_LUA })
  }

  /** Redis is reachable (agreement possible). */
  healthy (): boolean {
    return this.ha.healthy()
  }

  async start (): Promise<void> {
    const { registry, logger } = this.ctx
    this.ha.on('message', this.onMessage)
    this.ha.on('up', this.kick)
    this.ha.on('resync', this.kick)
    this.ha.start()
    logger.info({ redis: this.ha.target, replica: this.replicaId }, 'primary authority: agreeing on primaries through Redis')
    if (await this.ha.ready(this.startWaitMs)) {
      // Adopt what Redis holds before the first check, so a restarted replica does not flip a primary.
      await this.heartbeat()
    } else {
      logger.warn({ redis: this.ha.target, waitedMs: this.startWaitMs }, 'primary authority: Redis unreachable at start; primaries are provisional until it answers')
    }
    registry.on('proposal', this.onProposal)
    registry.on('health', this.kick)
    this.timer = setInterval(this.kick, this.heartbeatMs)
    this.timer.unref()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.ctx.registry.off('proposal', this.onProposal)
    this.ctx.registry.off('health', this.kick)
    this.ha.off('message', this.onMessage)
    // Leave at once rather than when our votes expire: the remaining replicas decide without us.
    if (this.ha.healthy()) {
      await this.ha.run('ha-leave', async (c) => await c.multi().del(this.obsKey()).zrem(this.replicasKey(), this.replicaId).exec()).catch(() => {})
    }
    await this.ha.close()
  }

  // ---- PrimaryMover (switchover) ------------------------------------------------------------------

  async movePrimary (cluster: string, to: string, reason: string): Promise<{ primary: string | undefined, epoch: number }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.ha.healthy()) throw new HaUnavailableError('moving a primary')
      const rt = this.ctx.registry.get(cluster)
      if (rt === undefined) throw new UnknownClusterError(cluster)
      const r = await this.cas(rt, to, reason, 'force')
      this.ctx.metrics.primaryProposals.inc({ cluster, result: r.status === 'won' ? 'won' : 'lost' })
      if (r.status === 'won') {
        this.ctx.logger.info({ cluster, from: rt.primary, to, epoch: r.epoch, reason, replica: this.replicaId }, 'primary moved by switchover')
      }
      this.adopt(rt, r.coordinator, r.epoch, r.status === 'won' ? reason : 'agreed by another replica')
      if (r.status === 'won' || r.status === 'same') return { primary: rt.primary, epoch: rt.epoch }
      if (r.coordinator === undefined && rt.primary !== undefined) await this.restore(rt)
    }
    throw new SwitchoverAbortedError(cluster, 'the primary kept changing while it was being moved')
  }

  async announceSwitching (cluster: string, to: string | undefined): Promise<void> {
    this.ctx.registry.setSwitching(cluster, to)
    if (!this.ha.healthy()) {
      if (to !== undefined) throw new HaUnavailableError('a graceful switchover')
      return
    }
    const key = this.ha.key(`ha:switching:${cluster}`)
    const msg = JSON.stringify({ t: 'switching', cluster, to: to ?? null, by: this.replicaId })
    await this.ha.run('ha-switching', async (c) => checkExec(await (to === undefined
      ? c.multi().del(key).publish(this.ha.channel, msg)
      : c.multi().set(key, JSON.stringify({ to, by: this.replicaId }), 'PX', this.switchingTtlMs).publish(this.ha.channel, msg)
    ).exec()))
  }

  // ---- events -------------------------------------------------------------------------------------

  /** Heartbeat now (health changed, Redis came back, subscriber resubscribed, or the timer). */
  private readonly kick = (): void => {
    this.heartbeat().catch(() => { /* counted; Redis is marked down by HaRedis.run */ })
  }

  private readonly onMessage = (doc: Record<string, unknown>): void => {
    const cluster = typeof doc.cluster === 'string' ? doc.cluster : undefined
    const rt = cluster === undefined ? undefined : this.ctx.registry.get(cluster)
    if (rt === undefined || cluster === undefined) return
    if (doc.t === 'primary' && typeof doc.coordinator === 'string' && typeof doc.epoch === 'number') {
      this.adopt(rt, doc.coordinator, doc.epoch, typeof doc.reason === 'string' ? doc.reason : 'agreed by another replica')
    } else if (doc.t === 'switching') {
      this.ctx.registry.setSwitching(cluster, typeof doc.to === 'string' ? doc.to : undefined)
    }
  }

  private readonly onProposal = (cluster: string, from: string | undefined, to: string, reason: string): void => {
    if (this.closed) return
    const { registry, logger } = this.ctx
    const rt = registry.get(cluster)
    if (rt === undefined || this.inflight.has(cluster)) return
    if (!this.ha.healthy()) {
      if (rt.primary === undefined) {
        // Nothing agreed yet and nobody to agree with: route meanwhile; Redis's answer wins later.
        logger.warn({ cluster, to }, 'Redis unreachable: provisional primary until the replicas can agree')
        registry.installPrimary(cluster, to, 0, `${reason} (provisional: Redis unreachable)`)
      } else if (!this.frozenLogged.has(cluster)) {
        this.frozenLogged.add(cluster)
        logger.warn({ cluster, primary: rt.primary, wanted: to, reason }, 'Redis unreachable: keeping the agreed primary (a replica never fails over alone); new queries avoid the cluster while its primary is down')
      }
      return
    }
    this.frozenLogged.delete(cluster)
    // A restarted replica that has not checked the agreed primary yet has no opinion on it.
    if (from !== undefined && rt.statuses.get(from)?.lastCheckAt === undefined) return
    this.inflight.add(cluster)
    this.propose(rt, to, reason).catch((err: unknown) => {
      this.ctx.metrics.primaryProposals.inc({ cluster, result: 'error' })
      logger.debug({ cluster, to, err: errorMessage(err) }, 'primary proposal failed')
    }).finally(() => { this.inflight.delete(cluster) })
  }

  private async propose (rt: ClusterRuntime, to: string, reason: string): Promise<void> {
    const cluster = rt.config.name
    const from = rt.primary
    const r = await this.cas(rt, to, reason, reason === 'failback' ? 'failback' : 'quorum')
    const votes = { down: r.down, voters: r.voters, up: r.up, votersNew: r.votersNew }
    if (r.status === 'refused') {
      this.ctx.metrics.primaryProposals.inc({ cluster, result: 'refused' })
      const key = `${rt.epoch}|${to}|${r.down}/${r.voters}`
      if (this.refusalLogged.get(cluster) !== key) {
        this.refusalLogged.set(cluster, key)
        this.ctx.logger.info({ event: 'election-refused', cluster, primary: from, wanted: to, reason, epoch: rt.epoch, ...votes }, `failover refused: no majority of the live replicas sees ${from ?? 'the primary'} down and ${to} up`)
      }
      return
    }
    this.refusalLogged.delete(cluster)
    this.ctx.metrics.primaryProposals.inc({ cluster, result: r.status === 'won' ? 'won' : 'lost' })
    if (r.status === 'won') {
      this.ctx.logger.info({ event: 'election-won', cluster, from, to, epoch: r.epoch, reason, replica: this.replicaId, ...votes }, 'primary election won')
    }
    this.adopt(rt, r.coordinator, r.epoch, r.status === 'won' ? reason : 'agreed by another replica')
    if (r.status === 'stale' && r.coordinator === undefined && rt.primary !== undefined) await this.restore(rt)
  }

  // ---- Redis ------------------------------------------------------------------------------------

  private obsKey (id = this.replicaId): string { return this.ha.key(`ha:obs:${id}`) }
  private replicasKey (): string { return this.ha.key('ha:replicas') }
  private primaryKey (cluster: string): string { return this.ha.key(`ha:primary:${cluster}`) }

  private ttlMs (): number {
    const h = this.ctx.config.health
    return this.observationTtlMs ?? Math.max(3 * h.intervalMs + h.timeoutMs, 2000)
  }

  private observations (): string {
    const now = Date.now()
    const staleAfter = this.ctx.registry.staleAfterMs()
    const doc: Record<string, Record<string, Vote>> = {}
    for (const rt of this.ctx.registry.all()) {
      const view: Record<string, Vote> = {}
      for (const s of rt.statuses.values()) {
        const v = voteOf(s, now, staleAfter)
        if (v !== undefined) view[s.name] = v
      }
      doc[rt.config.name] = view
    }
    return JSON.stringify(doc)
  }

  private async cas (rt: ClusterRuntime, to: string, reason: string, mode: Mode): Promise<CasResult> {
    const cluster = rt.config.name
    const raw = await this.ha.run('ha-cas', async (c) => await (c as Redis & HaCommands).phgHaCas(
      this.primaryKey(cluster), this.replicasKey(), this.obsKey(), rt.epoch, to, reason, this.replicaId,
      cluster, mode, this.ha.key('ha:obs:'), this.ha.channel, this.observations(), this.ttlMs(), Date.now()))
    const [status, coordinator, epoch, down, voters, up, votersNew] = raw
    return {
      status: String(status) as CasStatus,
      coordinator: typeof coordinator === 'string' && coordinator !== '' ? coordinator : undefined,
      epoch: Number(epoch ?? 0),
      down: Number(down ?? 0),
      voters: Number(voters ?? 0),
      up: Number(up ?? 0),
      votersNew: Number(votersNew ?? 0)
    }
  }

  /** Writes this replica's agreed primary over a lower (or missing) one: Redis lost it. */
  private async restore (rt: ClusterRuntime): Promise<void> {
    const cluster = rt.config.name
    const primary = rt.primary
    if (primary === undefined || rt.epoch <= 0) return
    const raw = await this.ha.run('ha-restore', async (c) => await (c as Redis & HaCommands).phgHaRestore(
      this.primaryKey(cluster), primary, rt.epoch, 'republished', this.replicaId, cluster, this.ha.channel, Date.now()))
    const [status, coordinator, epoch] = raw
    if (status === 'restored') {
      this.ctx.logger.info({ event: 'primary-republished', cluster, primary, epoch: rt.epoch, replica: this.replicaId }, 'Redis had lost the agreed primary: republished it')
    } else {
      this.adopt(rt, typeof coordinator === 'string' && coordinator !== '' ? coordinator : undefined, Number(epoch ?? 0), 'agreed by another replica')
    }
  }

  /** Installs what Redis agreed on if it is newer than what this replica holds. */
  private adopt (rt: ClusterRuntime, coordinator: string | undefined, epoch: number, reason: string): void {
    if (coordinator === undefined || epoch <= 0) return
    if (epoch > rt.epoch || (epoch === rt.epoch && coordinator !== rt.primary)) {
      if (!rt.statuses.has(coordinator)) {
        this.ctx.logger.error({ cluster: rt.config.name, coordinator, epoch }, 'agreed primary is not a coordinator of this replica\'s configuration: ignored')
        return
      }
      this.ctx.registry.installPrimary(rt.config.name, coordinator, epoch, reason)
    }
  }

  /**
   * Publishes this replica's votes and re-reads every agreed primary (one pipeline). One at a time;
   * a call during a run makes it run once more and resolves when that is done.
   */
  private async heartbeat (): Promise<void> {
    if (this.beating !== undefined) {
      this.beatAgain = true
      return await this.beating
    }
    const run = (async () => {
      // Yield first: the loop must not finish before `beating` is set (it may return at once).
      await Promise.resolve()
      do {
        this.beatAgain = false
        if (this.closed || !this.ha.healthy()) return
        await this.beatOnce()
      } while (this.beatAgain)
    })()
    this.beating = run
    try {
      await run
    } finally {
      if (this.beating === run) this.beating = undefined
    }
  }

  private async beatOnce (): Promise<void> {
    const rts = [...this.ctx.registry.all()]
    const values = await this.ha.run('ha-sync', async (c) => {
      const p = c.pipeline()
      p.set(this.obsKey(), this.observations(), 'PX', this.ttlMs())
      p.zadd(this.replicasKey(), Date.now(), this.replicaId)
      for (const rt of rts) {
        p.hmget(this.primaryKey(rt.config.name), 'coordinator', 'epoch')
        p.get(this.ha.key(`ha:switching:${rt.config.name}`))
      }
      return checkExec(await p.exec())
    })
    for (const [i, rt] of rts.entries()) {
      const [coordinator, epoch] = (values[2 + 2 * i] ?? []) as Array<string | null>
      const stored = Number(epoch ?? 0)
      if (coordinator !== null && coordinator !== undefined && stored > 0) this.adopt(rt, coordinator, stored, 'agreed by another replica')
      if (rt.primary !== undefined && rt.epoch > 0 && (coordinator === null || coordinator === undefined || stored < rt.epoch)) await this.restore(rt)
      if (rt.primary !== undefined && rt.epoch === 0 && (coordinator === null || coordinator === undefined) && !this.inflight.has(rt.config.name)) {
        // A provisional primary (chosen while Redis was unreachable) becomes an agreed one.
        this.inflight.add(rt.config.name)
        await this.propose(rt, rt.primary, 'initial').finally(() => { this.inflight.delete(rt.config.name) })
      }
      const switching = values[3 + 2 * i]
      let to: string | undefined
      if (typeof switching === 'string') {
        try { to = (JSON.parse(switching) as { to?: string }).to } catch { to = undefined }
      }
      if (this.ctx.registry.switchingTo(rt.config.name) !== to) this.ctx.registry.setSwitching(rt.config.name, to)
    }
  }
}
