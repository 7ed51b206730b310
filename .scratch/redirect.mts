import http from 'node:http'
import { startEmulator } from '../src/emulator/index.ts'
import { Trino, BasicAuth } from 'trino-client'
import presto from 'presto-client'
import PrestoJs from '@prestodb/presto-js-client'
const PrestoClient = (PrestoJs as any).PrestoClient

for (const auth of [false, true]) {
  const flavor = 'trino'
  const e = await startEmulator({ flavor, ...(auth ? { auth: { user: 'alice', password: 'pw' } } : {}) })
  const ep = await startEmulator({ flavor: 'presto', ...(auth ? { auth: { user: 'alice', password: 'pw' } } : {}) })
  const log: string[] = []
  let target = e.url
  const redirector = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? '-'}`)
    res.writeHead(307, { location: target + req.url }); res.end()
  })
  await new Promise<void>(r => redirector.listen(0, '127.0.0.1', r))
  const port = (redirector.address() as any).port
  // trino-client
  try {
    const t = Trino.create({ server: `http://127.0.0.1:${port}`, auth: new BasicAuth('alice', auth ? 'pw' : undefined) })
    const rows: any[] = []
    for await (const r of await t.query('SELECT 1')) if (r.data) rows.push(...r.data)
    console.log(`auth=${auth} trino-client rows`, JSON.stringify(rows))
  } catch (err: any) { console.log(`auth=${auth} trino-client error`, err.response?.status ?? err.message) }
  // presto-client
  await new Promise<void>((resolve) => new presto.Client({ host: '127.0.0.1', port, user: 'alice', engine: 'trino', checkInterval: 5, ...(auth ? { basic_auth: { user: 'alice', password: 'pw' } } : {}) }).execute({
    query: 'SELECT 2', data: (_e: any, d: any) => console.log(`auth=${auth} presto-client data`, JSON.stringify(d)), success: () => resolve(), error: (err: any) => { console.log(`auth=${auth} presto-client error`, err.message); resolve() } }))
  // presto-js-client
  target = ep.url
  try {
    const c = new PrestoClient({ host: 'http://127.0.0.1', port, user: 'alice', ...(auth ? { basicAuthentication: { user: 'alice', password: 'pw' } } : {}) })
    console.log(`auth=${auth} presto-js rows`, JSON.stringify((await c.query('SELECT 3')).data))
  } catch (err: any) { console.log(`auth=${auth} presto-js error`, err.message) }
  console.log(log.join('\n'))
  console.log('trino emulator saw', e.queries().map(q => q.sql), 'presto emulator saw', ep.queries().map(q => q.sql))
  redirector.close(); redirector.closeAllConnections(); await e.close(); await ep.close()
}
