import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestPki {
  dir: string
  caCert: string
  /** issues a server certificate for 127.0.0.1/localhost signed by the CA; returns file paths */
  issue: (name: string) => { cert: string, key: string }
  close: () => void
}

/** A throwaway CA made with the openssl CLI at test time: no key material is committed. */
export function makePki (): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'phg-pki-'))
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }) }
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=phg test CA', '-keyout', 'ca.key', '-out', 'ca.pem')
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n')
  let serial = 1
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    issue: (name) => {
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`)
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-days', '2', '-extfile', 'san.ext', '-out', `${name}.pem`)
      return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }
    },
    close: () => { rmSync(dir, { recursive: true, force: true }) }
  }
}

export function read (file: string): Buffer {
  return readFileSync(file)
}
