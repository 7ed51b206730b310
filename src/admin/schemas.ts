import { Type } from 'typebox'
import { ClusterSchema } from '../config/schema.js'

// Response shapes of the admin API: the OpenAPI document is generated from these.

const Load = Type.Object({
  runningQueries: Type.Number(),
  queuedQueries: Type.Number(),
  blockedQueries: Type.Number(),
  activeWorkers: Type.Number(),
  polledAt: Type.Number({ description: 'epoch ms' })
})

export const CoordinatorView = Type.Object({
  name: Type.String(),
  url: Type.String(),
  externalUrl: Type.String(),
  role: Type.Enum(['primary', 'standby']),
  health: Type.Enum(['up', 'down', 'starting', 'unknown']),
  shuttingDown: Type.Boolean(),
  lastCheckAt: Type.Union([Type.Number(), Type.Null()]),
  lastSuccessAt: Type.Union([Type.Number(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  load: Type.Union([Load, Type.Null()])
})

export const ClusterView = Type.Object({
  name: Type.String(),
  group: Type.String(),
  state: Type.Enum(['active', 'draining', 'drained']),
  eligible: Type.Boolean({ description: 'takes new queries now' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'why it takes no new queries' }),
  primary: Type.Union([Type.String(), Type.Null()]),
  epoch: Type.Number(),
  lastFailover: Type.Union([Type.Object({ at: Type.Number(), from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), epoch: Type.Number(), reason: Type.String() }), Type.Null()]),
  openTransactions: Type.Number(),
  source: Type.Enum(['file', 'runtime', 'file+runtime'], { description: 'file: config file; runtime: added through this API; file+runtime: a file cluster replaced through this API' }),
  fieldSources: Type.Record(Type.String(), Type.Enum(['file', 'runtime'])),
  config: ClusterSchema,
  coordinators: Type.Array(CoordinatorView)
})

export const ErrorBody = Type.Object({
  statusCode: Type.Number(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
})

export const QueryView = Type.Object({
  queryId: Type.String(),
  cluster: Type.String(),
  coordinator: Type.String(),
  mode: Type.String(),
  group: Type.String(),
  routedAt: Type.Number({ description: 'epoch ms' }),
  user: Type.Union([Type.String(), Type.Null()]),
  source: Type.Enum(['store', 'coordinator'], { description: 'store: recorded when routed; coordinator: found by asking coordinators' })
})

export const WhoAmI = Type.Object({
  name: Type.String({ description: 'the token\'s name in admin.tokens' }),
  role: Type.Enum(['admin', 'viewer'])
})

export const DecisionView = Type.Object({
  at: Type.Number({ description: 'epoch ms' }),
  queryId: Type.Union([Type.String(), Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  group: Type.String(),
  cluster: Type.Union([Type.String(), Type.Null()]),
  coordinator: Type.Union([Type.String(), Type.Null()]),
  mode: Type.String(),
  outcome: Type.Enum(['routed', 'retried', 'unroutable']),
  detail: Type.Union([Type.String(), Type.Null()])
})

export const DecisionsView = Type.Object({
  now: Type.Number({ description: 'the gateway\'s clock, epoch ms: ages are measured against it' }),
  decisions: Type.Array(DecisionView, { description: 'newest first' })
})

export const DecisionsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) })

export const NameParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' }) })
export const ForceQuery = Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) })
