// Reference point for the redirect scenario (not a goal's baseline): the framework's floor. A
// fastify server with nothing but the gateway's way of taking a statement body (every content type
// read as a Buffer) and one route answering the same 307 — no logger, hooks, metrics or routing.
// What it costs over the bare node:http baseline is what any fastify route costs.
// argv: <coordinator base URL>. Prints "listening <port>".
import Fastify from 'fastify'

const target = (process.argv[2] ?? 'http://127.0.0.1:8081').replace(/\/+$/, '')
const app = Fastify({ logger: false, keepAliveTimeout: 65_000 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })
app.post('/v1/statement', async (req, reply) => {
  const q = req.url.indexOf('?')
  return await reply.code(307).header('location', `${target}/v1/statement${q >= 0 ? req.url.slice(q) : ''}`).header('cache-control', 'no-store').send()
})
const address = await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`listening ${new URL(address).port}\n`)
process.on('SIGTERM', () => { process.exit(0) })
