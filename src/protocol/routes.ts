import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../gateway-context.js'
import { postStatement } from './statement-route.js'
import { followUp } from './follow-up-route.js'
import { coordinatorInfo, toPrimaryUi } from './info-route.js'
import { spooledSegment } from './spooled-route.js'

/**
 * The Presto/Trino client protocol. The body of a statement is opaque bytes to the gateway
 * (SQL, whatever the Content-Type says), so every parser is replaced by one that keeps the bytes.
 */
export async function clientProtocolRoutes (app: FastifyInstance, opts: { ctx: GatewayContext }): Promise<void> {
  const { ctx } = opts
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

  const follow = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => await followUp(ctx, req, reply)
  app.post('/v1/statement', async (req, reply) => await postStatement(ctx, req, reply))
  app.route({ method: ['GET', 'DELETE'], url: '/v1/statement/*', handler: follow })
  app.route({ method: ['GET', 'HEAD', 'DELETE'], url: '/v1/query/:id', exposeHeadRoute: false, handler: follow })
  app.route({ method: ['GET', 'HEAD', 'DELETE', 'PUT'], url: '/v1/query/:id/:action', exposeHeadRoute: false, handler: follow })
  app.get('/ui/query.html', follow)
  app.route({ method: ['GET', 'DELETE'], url: '/v1/spooled/*', handler: async (req, reply) => await spooledSegment(ctx, req, reply) })
  app.get('/v1/info', async (req, reply) => await coordinatorInfo(ctx, req, reply))
  app.get('/ui/*', async (req, reply) => await toPrimaryUi(ctx, req, reply))
  app.get('/ui', async (req, reply) => await toPrimaryUi(ctx, req, reply))
}
