import { Agent } from 'undici'
import { startEmulator } from '../src/emulator/index.ts'
import { FaultInjector } from '../src/emulator/faults.ts'
import { http } from '../test/emulator/support.ts'
const e = await startEmulator()
const fi = e.faults as any
const l = fi.listener
console.log('sockets before', [...l.sockets()].length)
const agent = new Agent({ connect: { localAddress: '127.0.0.2' } })
console.log((await http(`${e.url}/v1/info`, { dispatcher: agent })).status)
console.log('sockets', [...l.sockets()].map((s: any) => [s.remoteAddress, l.busy(s), s.destroyed]))
await e.faults.refuse({ addresses: ['127.0.0.2'] })
console.log('sockets after', [...l.sockets()].map((s: any) => [s.remoteAddress, l.busy(s), s.destroyed]))
await agent.close(); await e.close()
