import http from 'node:http'
import { startEmulator } from '../src/emulator/index.ts'
import presto from 'presto-client'
import { Trino, BasicAuth } from 'trino-client'
const e = await startEmulator()
const log: string[] = []
const proxy = http.createServer((req, res) => {
  log.push(`${req.method} ${req.url} host=${req.headers.host} user=${req.headers['x-trino-user'] ?? '-'}`)
  const path = req.url!.startsWith('http') ? new URL(req.url!).pathname : req.url!
  const up = http.request(e.url + path, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode!, r.headers); r.pipe(res) })
  req.pipe(up)
})
await new Promise<void>(r => proxy.listen(0, '127.0.0.1', r))
const port = (proxy.address() as any).port
let cancel = false
await new Promise<void>((resolve) => new presto.Client({ host: '127.0.0.1', port, user: 'bob', engine: 'trino', checkInterval: 5 }).execute({
  query: 'SELECT 1 /* rows=10 pages=10 delayMs=50 */', columns: () => { cancel = true }, cancel: () => cancel,
  success: () => resolve(), error: (err: any) => { console.log('presto-client', err.message); resolve() } }))
const t = Trino.create({ server: `http://127.0.0.1:${port}`, auth: new BasicAuth('carol') })
const it = await t.query('SELECT 1 /* rows=10 pages=10 delayMs=50 */')
const first = await it.next()
await t.cancel(first.value.id)
console.log(log.filter(l => l.startsWith('DELETE')).join('\n'))
proxy.close(); proxy.closeAllConnections(); await e.close()
