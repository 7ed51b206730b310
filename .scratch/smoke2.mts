import { startEmulator } from '../src/emulator/index.ts'
const e = await startEmulator()
for (const sql of ["SELECT 1 /* delayMs=10 */", "SELECT 1", "SELECT 1 /* delayMs=1500 */", "SELECT 1 /* fail=boom */", "SELECT 1 /* rows=3 fail='bad thing' */"]) {
  let r = await fetch(e.url + '/v1/statement', { method: 'POST', body: sql, headers: { 'X-Trino-User': 'u' } })
  let doc: any = await r.json()
  const out = []
  while (doc.nextUri) {
    const t = Date.now()
    r = await fetch(doc.nextUri)
    doc = await r.json()
    out.push(`${doc.stats.state}:${JSON.stringify(doc.data)}:${doc.error?.message ?? ''}:${Date.now() - t}ms`)
  }
  console.log(sql, out.join(' | '))
}
await e.close()
