import { startEmulator } from '../src/emulator/index.ts'
import { http } from '../test/emulator/support.ts'
const limited = await startEmulator({ maxRunningQueries: 1 })
const USER = { 'X-Trino-User': 'tester' }
const post = async (sql: string) => (await http(`${limited.url}/v1/statement`, { method: 'POST', body: sql, headers: USER })).json
const blocker = await post('SELECT 1 /* delayMs=60000 */')
console.log('a', (await http(blocker.nextUri)).status)
const waiting = await post('SELECT 2')
console.log('b')
const q1 = (await http(`${waiting.nextUri}?maxWait=20ms`)).json
console.log('c', q1.nextUri)
await limited.close()
const l2 = await startEmulator({ maxRunningQueries: 1 })
const post2 = async (sql: string) => (await http(`${l2.url}/v1/statement`, { method: 'POST', body: sql, headers: USER })).json
const b2 = await post2('SELECT 1 /* delayMs=60000 */')
await http(b2.nextUri)
const w2 = await post2('SELECT 2')
const r1 = (await http(`${w2.nextUri}?maxWait=20ms`)).json
console.log('stats', l2.stats())
const r2 = (await http(`${r1.nextUri}?maxWait=20ms`)).json
console.log('r2', r2.nextUri)
console.log('410?', (await http(w2.nextUri)).status)
console.log('del', (await http(b2.nextUri, { method: 'DELETE' })).status)
const r3 = (await http(r2.nextUri)).json
console.log('r3', r3.nextUri)
await l2.close()
