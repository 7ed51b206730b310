import type { FastifyReply, FastifyRequest } from 'fastify'

// Paths the gateway serves, with the methods it serves them with: a request for one of them with
// another method is a 405 with Allow, not a 404 (the path exists).
const KNOWN: ReadonlyArray<[RegExp, string]> = [
  [/^\/v1\/statement$/, 'POST'],
  [/^\/v1\/statement\/.+$/, 'GET, DELETE'],
  [/^\/v1\/query\/[^/]+(?:\/[^/]+)?$/, 'GET, HEAD, DELETE'],
  [/^\/v1\/info$/, 'GET, HEAD'],
  [/^\/v1\/spooled\/.+$/, 'GET, DELETE'],
  [/^\/(?:livez|readyz|metrics)$/, 'GET, HEAD'],
  [/^\/dashboard(?:\/[^/]*)?$/, 'GET, HEAD'],
  [/^\/admin\/(?:whoami|decisions|openapi\.json)$/, 'GET'],
  [/^\/admin\/clusters$/, 'GET'],
  [/^\/admin\/clusters\/[^/]+$/, 'GET, PUT, DELETE'],
  [/^\/admin\/clusters\/[^/]+\/(?:drain|activate|primary)$/, 'POST'],
  [/^\/admin\/queries\/[^/]+$/, 'GET']
]

export function notFoundOrNotAllowed (req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = req.url.split('?')[0] ?? ''
  const hit = KNOWN.find(([re]) => re.test(path))
  if (hit !== undefined) {
    return reply.code(405).header('allow', hit[1]).header('content-type', 'text/plain; charset=utf-8').send(`Method ${req.method} is not allowed on ${path}`)
  }
  return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found')
}
