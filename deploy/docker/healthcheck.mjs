// Container health check for the gateway image: exit 0 when GET $PHG_HEALTH_URL (default the
// process's own /livez) answers 200, 1 otherwise. Node itself, because slim images have no curl.
// An https URL (server.tls) is accepted with any certificate: this checks liveness, not identity.
import http from 'node:http'
import https from 'node:https'

const url = new URL(process.env.PHG_HEALTH_URL ?? 'http://127.0.0.1:8080/livez')
const get = url.protocol === 'https:' ? https.get : http.get
const fail = (why) => {
  process.stderr.write(`health check ${url.href}: ${why}\n`)
  process.exit(1)
}

const req = get(url, { timeout: 3000, rejectUnauthorized: false }, (res) => {
  res.resume()
  if (res.statusCode === 200) process.exit(0)
  fail(`status ${res.statusCode}`)
})
req.on('timeout', () => { req.destroy(new Error('no answer within 3 s')) })
req.on('error', (err) => { fail(err.message) })
