import { Agent } from 'undici'
import { startEmulator } from '../src/emulator/index.ts'
import { http } from '../test/emulator/support.ts'
const e = await startEmulator()
const agent = new Agent({ connect: { localAddress: '127.0.0.2' } })
console.log((await http(`${e.url}/v1/info`, { dispatcher: agent })).status)
await e.faults.refuse({ addresses: ['127.0.0.2'] })
console.log(e.faults.state())
try { console.log('second', (await http(`${e.url}/v1/info`, { dispatcher: agent })).status) } catch (err) { console.log('err', err) }
await agent.close(); await e.close()
