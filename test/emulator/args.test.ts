import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseEmulateArgs } from '../../src/emulator/index.js'

test('parseEmulateArgs reads every documented flag, with or without the leading "emulate"', () => {
  assert.deepEqual(parseEmulateArgs(['emulate', '--port', '8085', '--host', '0.0.0.0', '--flavor', 'presto', '--environment', 'prod', '--auth', 'alice:s3:cret', '--workers', '4', '--control-port', '9085', '--accept-forwarded']), {
    port: 8085,
    host: '0.0.0.0',
    flavor: 'presto',
    environment: 'prod',
    auth: { user: 'alice', password: 's3:cret' },
    workers: 4,
    controlPort: 9085,
    acceptForwarded: true
  })
  assert.deepEqual(parseEmulateArgs(['--port=0', '--flavor=trino']), { port: 0, flavor: 'trino' })
  assert.deepEqual(parseEmulateArgs([]), {})
})

test('parseEmulateArgs rejects bad arguments with a message naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--port', 'http'], /--port must be a port number/],
    [['--port', '70000'], /--port must be a port number/],
    [['--port'], /--port needs a value/],
    [['--flavor', 'spark'], /--flavor must be trino or presto/],
    [['--auth', 'alice'], /--auth must be USER:PASSWORD/],
    [['--workers', '-1'], /--workers needs a value|--workers must be a non-negative integer/],
    [['--environment', 'Prod'], /--environment must match/],
    [['--verbose'], /unknown argument '--verbose'/]
  ]
  for (const [argv, message] of cases) assert.throws(() => parseEmulateArgs(argv), message, argv.join(' '))
})
