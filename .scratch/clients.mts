import http from 'node:http'
import { startEmulator } from '../src/emulator/index.ts'
import { Trino, BasicAuth } from 'trino-client'
import presto from 'presto-client'
import PrestoJs from '@prestodb/presto-js-client'
const PrestoClient = (PrestoJs as any).PrestoClient ?? (PrestoJs as any).default

async function logged (flavor: 'trino' | 'presto') {
  const e = await startEmulator({ flavor })
  const log: string[] = []
  const proxy = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`)
    const up = http.request(e.url + (req.url!.startsWith('http') ? new URL(req.url!).pathname + new URL(req.url!).search : req.url), { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode!, r.headers); r.pipe(res) })
    req.pipe(up)
  })
  await new Promise<void>(r => proxy.listen(0, '127.0.0.1', r))
  const port = (proxy.address() as any).port
  return { e, log, port, close: async () => { proxy.close(); proxy.closeAllConnections(); await e.close() } }
}

{
  const s = await logged('trino')
  const t = Trino.create({ server: `http://127.0.0.1:${s.port}`, auth: new BasicAuth('alice') })
  const it = await t.query('SELECT 1 /* rows=3 pages=2 */')
  for await (const r of it) console.log('trino-client', r.stats?.state, r.data)
  console.log(s.log.join('\n'))
  await s.close()
}
{
  const s = await logged('trino')
  const c = new presto.Client({ host: '127.0.0.1', port: s.port, engine: 'trino', user: 'bob', checkInterval: 10 })
  await new Promise<void>((resolve) => c.execute({ query: 'SELECT 1 /* rows=3 pages=2 */', data: (_e: any, d: any) => console.log('presto-client', d), success: () => resolve(), error: (err: any) => { console.log('err', err); resolve() } }))
  console.log(s.log.join('\n'))
  await s.close()
}
{
  const s = await logged('presto')
  const c = new PrestoClient({ host: 'http://127.0.0.1', port: s.port, user: 'carol' })
  console.log('presto-js', await c.query('SELECT 1 /* rows=3 pages=2 */'))
  console.log(s.log.join('\n'))
  await s.close()
}
