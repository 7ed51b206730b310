// Runs one emulator in its own process (so a test can bound its memory): options as JSON in argv[2];
// prints its URL; closes when stdin ends and prints its peak RSS in bytes.
import { startEmulator } from '../../src/emulator/index.js'

const emulator = await startEmulator(JSON.parse(process.argv[2] ?? '{}'))
process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  emulator.close().then(() => {
    process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`)
  }, (e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
})
