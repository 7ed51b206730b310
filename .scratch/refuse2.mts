import http from 'node:http'
const server = http.createServer((req, res) => {
  res.on('close', () => console.log('res close'))
  res.on('finish', () => console.log('res finish'))
  res.end('hi')
})
server.on('connection', (s) => { console.log('conn', s.remoteAddress); s.on('close', () => console.log('sock close')) })
server.listen(0, '127.0.0.1', async () => {
  const port = (server.address() as any).port
  const r = await fetch(`http://127.0.0.1:${port}/`)
  console.log('client got', await r.text())
  setTimeout(() => { server.closeAllConnections(); server.close() }, 100)
})
