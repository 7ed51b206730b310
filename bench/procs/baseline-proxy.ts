// Baseline for the proxy scenarios: a bare node:http pass-through proxy in front of one coordinator.
// Method, path, headers and body go up as they are (Host set to the coordinator), status, headers
// and body come back streamed; a keep-alive agent to the coordinator, as the gateway keeps pools.
// It does what any HTTP proxy must do and nothing else (no routing, no URI rewriting).
// argv: <coordinator base URL>. Prints "listening <port>".
import http from 'node:http'
import { pipeline } from 'node:stream'

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:8081')
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 })
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

function copyHeaders (h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {}
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k)) out[k] = v
  return out
}

const server = http.createServer((req, res) => {
  const headers = copyHeaders(req.headers)
  headers.host = target.host
  const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, copyHeaders(upRes.headers))
    pipeline(upRes, res, () => {})
  })
  up.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-length': 0 })
      res.end()
    } else {
      res.destroy()
    }
  })
  res.on('close', () => { if (!res.writableFinished) up.destroy() })
  pipeline(req, up, () => {})
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(`listening ${typeof a === 'object' && a !== null ? a.port : 0}\n`)
})
process.on('SIGTERM', () => { process.exit(0) })
