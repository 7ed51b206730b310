import type { FastifyInstance, FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from 'typebox'
import type { GatewayContext } from '../gateway-context.js'
import { TokenAuth, type Principal } from './auth.js'
import { Unauthorized, Forbidden } from './errors.js'
import { ClusterView, ErrorBody, NameParams, ForceQuery, QueryView, WhoAmI, DecisionsView, DecisionsQuery } from './schemas.js'
import { ClusterSchema } from '../config/schema.js'
import { clusterActions } from './cluster-actions.js'

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody }
const security = [{ bearer: [] }]

/**
 * The admin REST API under /admin. Every route needs a bearer token from `admin.tokens`: viewers
 * read, admins change. With no token configured the API refuses everything: never open by default.
 */
export async function adminRoutes (app: FastifyInstance, opts: { ctx: GatewayContext }): Promise<void> {
  const { ctx } = opts
  // Rebuilt when a hot reload brings other tokens.
  let tokens = ctx.config.admin.tokens
  let auth = new TokenAuth(tokens)
  const actions = clusterActions(ctx)

  await app.register(swagger, {
    openapi: {
      info: { title: 'presto-ha-gateway admin API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/admin/docs' })
  app.get('/admin/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/admin/docs') || req.url === '/admin/openapi.json') return
    if (tokens !== ctx.config.admin.tokens) {
      tokens = ctx.config.admin.tokens
      auth = new TokenAuth(tokens)
    }
    if (!auth.enabled) throw new Unauthorized('the admin API is disabled: no admin.tokens are configured')
    const p = auth.authenticate(req.headers.authorization)
    if (p === undefined) throw new Unauthorized(req.headers.authorization === undefined ? 'a bearer token is required' : 'the bearer token is not valid')
    if (req.method !== 'GET' && req.method !== 'HEAD' && p.role !== 'admin') throw new Forbidden(p.name)
    req.principal = p
  })

  const who = (req: FastifyRequest): string => req.principal?.name ?? '?'

  app.get('/admin/clusters', {
    schema: { summary: 'Every cluster with its state, primary, coordinators and load', security, response: { 200: Type.Array(ClusterView), ...errors } }
  }, async () => await actions.list())

  app.get<{ Params: { name: string } }>('/admin/clusters/:name', {
    schema: { summary: 'One cluster', security, params: NameParams, response: { 200: ClusterView, ...errors } }
  }, async (req) => await actions.get(req.params.name))

  app.put<{ Params: { name: string }, Body: unknown }>('/admin/clusters/:name', {
    schema: { summary: 'Add or replace a cluster at runtime (the config file stays the base)', security, params: NameParams, body: ClusterSchema, response: { 200: ClusterView, ...errors } }
  }, async (req) => await actions.put(req.params.name, req.body, who(req), req.url))

  app.delete<{ Params: { name: string }, Querystring: { force?: boolean } }>('/admin/clusters/:name', {
    schema: { summary: 'Remove a drained cluster (?force=true otherwise)', security, params: NameParams, querystring: ForceQuery, response: { 200: Type.Object({ deleted: Type.String() }), ...errors } }
  }, async (req) => await actions.remove(req.params.name, req.query.force === true, who(req), req.url))

  app.post<{ Params: { name: string }, Querystring: { force?: boolean } }>('/admin/clusters/:name/drain', {
    schema: { summary: 'Stop new queries to the cluster on every replica; queries already there go on', security, params: NameParams, querystring: ForceQuery, response: { 200: ClusterView, ...errors } }
  }, async (req) => await actions.drain(req.params.name, req.query.force === true, who(req), req.url))

  app.post<{ Params: { name: string } }>('/admin/clusters/:name/activate', {
    schema: { summary: 'Let the cluster take new queries again', security, params: NameParams, response: { 200: ClusterView, ...errors } }
  }, async (req) => await actions.activate(req.params.name, who(req), req.url))

  app.post<{ Params: { name: string }, Querystring: { immediate?: boolean }, Body: { coordinator: string } }>('/admin/clusters/:name/primary', {
    schema: {
      summary: 'Switch the primary to another coordinator (graceful by default: waits until the old one runs nothing)',
      security,
      params: NameParams,
      querystring: Type.Object({ immediate: Type.Optional(Type.Boolean({ default: false })) }),
      body: Type.Object({ coordinator: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: { 200: ClusterView, ...errors, 504: ErrorBody }
    }
  }, async (req) => await actions.switchPrimary(req.params.name, req.body.coordinator, req.query.immediate === true, who(req), req.url))

  app.get('/admin/whoami', {
    schema: { summary: 'The name and role of the token presented (the dashboard shows buttons to admins only)', security, response: { 200: WhoAmI, ...errors } }
  }, async (req) => ({ name: req.principal?.name ?? '?', role: req.principal?.role ?? 'viewer' }))

  app.get<{ Querystring: { limit?: number } }>('/admin/decisions', {
    schema: { summary: 'The latest routing decisions of this replica, newest first (query id, user, group, cluster, coordinator, mode, outcome)', security, querystring: DecisionsQuery, response: { 200: DecisionsView, ...errors } }
  }, async (req) => ({
    now: Date.now(),
    decisions: ctx.recent.list(req.query.limit ?? 200).map((d) => ({
      at: d.at,
      queryId: d.queryId ?? null,
      user: d.user ?? null,
      group: d.group,
      cluster: d.cluster ?? null,
      coordinator: d.coordinator ?? null,
      mode: d.mode,
      outcome: d.outcome,
      detail: d.detail ?? null
    }))
  }))

  app.get<{ Params: { queryId: string } }>('/admin/queries/:queryId', {
    schema: { summary: 'Where a query went: cluster, coordinator, mode, routing group, time routed', security, params: Type.Object({ queryId: Type.String({ pattern: '^[_a-z0-9]{1,64}$' }) }), response: { 200: QueryView, ...errors } }
  }, async (req) => await actions.query(req.params.queryId))
}
