import { startEmulator } from '../src/emulator/index.ts'
const e = await startEmulator()
console.log(e.url, e.queryIdSuffix)
let r = await fetch(e.url + '/v1/statement', { method: 'POST', body: "SELECT 1, 'ab', 2.50, true, null, 1e3 AS d /* delayMs=10 */", headers: { 'X-Trino-User': 'u' } })
let doc: any = await r.json()
console.log(r.status, JSON.stringify(doc))
while (doc.nextUri) {
  r = await fetch(doc.nextUri)
  doc = await r.json()
  console.log(r.status, [...r.headers].filter(([k]) => k.startsWith('x-')), JSON.stringify(doc).slice(0, 600))
}
r = await fetch(e.url + '/v1/statement', { method: 'POST', body: 'SELECT x FROM /* rows=5 pages=2 */', headers: { 'X-Trino-User': 'u' } })
doc = await r.json()
while (doc.nextUri) { r = await fetch(doc.nextUri); doc = await r.json(); console.log(doc.stats.state, JSON.stringify(doc.data), doc.nextUri) }
r = await fetch(e.url + '/v1/statement', { method: 'POST', body: 'SELEC 1', headers: { 'X-Trino-User': 'u' } })
doc = await r.json()
while (doc.nextUri) { r = await fetch(doc.nextUri); doc = await r.json(); console.log(JSON.stringify(doc)) }
console.log(e.queries(), e.stats())
await e.close()
