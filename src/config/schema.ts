import { Type, type Static } from 'typebox'

// One schema for the config file, the admin API's cluster documents and the OpenAPI output.
// Defaults live here so that every reader of a Config sees the same values.

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'letters, digits, "_", "." and "-"' })
const HttpUrl = Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', description: 'http:// or https:// URL' })
const Regex = Type.String({ description: 'JavaScript regular expression' })
const Port = Type.Integer({ minimum: 0, maximum: 65535 })
const Millis = (dflt: number) => Type.Integer({ minimum: 1, default: dflt })

export const ModeSchema = Type.Enum(['redirect', 'handoff', 'proxy', 'auto'])
export const FlavorSchema = Type.Enum(['trino', 'presto'])
export const FailbackSchema = Type.Enum(['sticky', 'prefer-first'])

export const CoordinatorSchema = Type.Object({
  name: Name,
  url: HttpUrl,
  externalUrl: Type.Optional(HttpUrl)
}, { additionalProperties: false })

export const ClusterSchema = Type.Object({
  name: Name,
  flavor: Type.Optional(FlavorSchema),
  group: Type.Optional(Name),
  weight: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  failback: Type.Optional(FailbackSchema),
  minWorkers: Type.Integer({ minimum: 0, default: 1 }),
  forwardedHeaders: Type.Boolean({ default: false }),
  monitor: Type.Optional(Type.Object({
    user: Type.String({ minLength: 1 }),
    password: Type.Optional(Type.String())
  }, { additionalProperties: false })),
  discovery: Type.Optional(Type.Object({ port: Port }, { additionalProperties: false })),
  coordinators: Type.Array(CoordinatorSchema, { minItems: 1 })
}, { additionalProperties: false })

const RuleSchema = Type.Object({
  name: Name,
  match: Type.Object({
    user: Type.Optional(Regex),
    source: Type.Optional(Regex),
    clientTags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    userAgent: Type.Optional(Regex)
  }, { additionalProperties: false }),
  group: Type.Optional(Name),
  mode: Type.Optional(ModeSchema)
}, { additionalProperties: false })

export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    publicUrl: Type.Optional(HttpUrl),
    tls: Type.Optional(Type.Object({
      cert: Type.String({ minLength: 1 }),
      key: Type.String({ minLength: 1 }),
      ca: Type.Optional(Type.String({ minLength: 1 }))
    }, { additionalProperties: false })),
    limits: Type.Object({
      bodyBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
      headerBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 })
    }, { additionalProperties: false, default: {} }),
    timeouts: Type.Object({
      headersMs: Millis(30_000),
      requestMs: Millis(300_000),
      keepAliveMs: Millis(65_000)
    }, { additionalProperties: false, default: {} }),
    shutdownGraceMs: Type.Integer({ minimum: 0, default: 10_000 })
  }, { additionalProperties: false, default: {} }),
  store: Type.Object({
    redis: Type.Optional(Type.Object({
      url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
      sentinels: Type.Optional(Type.Array(Type.Object({
        host: Type.String({ minLength: 1 }),
        port: Port
      }, { additionalProperties: false }), { minItems: 1 })),
      name: Type.Optional(Type.String({ minLength: 1 })),
      password: Type.Optional(Type.String()),
      sentinelPassword: Type.Optional(Type.String({ description: 'password of the Sentinels themselves, when they have one' })),
      db: Type.Optional(Type.Integer({ minimum: 0 })),
      keyPrefix: Type.String({ default: 'phg:' })
    }, { additionalProperties: false })),
    queryTtlSeconds: Type.Integer({ minimum: 1, default: 86_400 }),
    transactionTtlSeconds: Type.Integer({ minimum: 1, default: 86_400 })
  }, { additionalProperties: false, default: {} }),
  upstream: Type.Object({
    timeouts: Type.Object({
      connectMs: Millis(1000),
      headersMs: Millis(30_000),
      bodyIdleMs: Millis(60_000)
    }, { additionalProperties: false, default: {} }),
    tls: Type.Optional(Type.Object({
      ca: Type.Optional(Type.String({ minLength: 1 })),
      rejectUnauthorized: Type.Boolean({ default: true })
    }, { additionalProperties: false })),
    localAddress: Type.Optional(Type.String({ minLength: 1 }))
  }, { additionalProperties: false, default: {} }),
  routing: Type.Object({
    mode: Type.Enum(['redirect', 'handoff', 'proxy', 'auto'], { default: 'redirect' }),
    defaultGroup: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', default: 'adhoc' }),
    rules: Type.Array(RuleSchema, { default: [] })
  }, { additionalProperties: false, default: {} }),
  health: Type.Object({
    intervalMs: Type.Integer({ minimum: 50, default: 1000 }),
    // after a failed check, and for a new primary waiting for its workers (HAProxy's fastinter)
    fastIntervalMs: Type.Integer({ minimum: 20, default: 200 }),
    timeoutMs: Type.Integer({ minimum: 10, default: 800 }),
    rise: Type.Integer({ minimum: 1, default: 2 }),
    fall: Type.Integer({ minimum: 1, default: 2 })
  }, { additionalProperties: false, default: {} }),
  admin: Type.Object({
    tokens: Type.Array(Type.Object({
      name: Name,
      token: Type.String({ minLength: 16, description: 'at least 16 characters' }),
      role: Type.Enum(['admin', 'viewer'])
    }, { additionalProperties: false }), { default: [] })
  }, { additionalProperties: false, default: {} }),
  clusters: Type.Array(ClusterSchema, { default: [] })
}, { additionalProperties: false })

export type RawConfig = Static<typeof ConfigSchema>
export type RoutingMode = Static<typeof ModeSchema>
export type Flavor = Static<typeof FlavorSchema>
export type ClusterInput = Static<typeof ClusterSchema>
