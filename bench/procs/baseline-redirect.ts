// Baseline for the redirect scenario: a bare node:http server that answers every POST /v1/statement
// with the same 307 the gateway sends (Location = the coordinator's /v1/statement, query kept;
// Cache-Control: no-store), after reading the body as the gateway does. Nothing else.
// argv: <coordinator base URL>. Prints "listening <port>".
import http from 'node:http'

const target = (process.argv[2] ?? 'http://127.0.0.1:8081').replace(/\/+$/, '')

const server = http.createServer((req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    const url = req.url ?? '/'
    if (req.method !== 'POST' || !url.startsWith('/v1/statement')) {
      res.writeHead(404, { 'content-length': 0 })
      res.end()
      return
    }
    const q = url.indexOf('?')
    res.writeHead(307, { location: `${target}/v1/statement${q >= 0 ? url.slice(q) : ''}`, 'cache-control': 'no-store', 'content-length': 0 })
    res.end()
  })
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(`listening ${typeof a === 'object' && a !== null ? a.port : 0}\n`)
})
process.on('SIGTERM', () => { process.exit(0) })
