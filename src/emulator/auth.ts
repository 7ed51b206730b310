import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendText } from './http-util.js'
import { familyHeader, headerPrefix } from './protocol-headers.js'
import type { Flavor } from './types.js'

export interface BasicCredentials {
  user: string
  password: string | null
}

export function parseBasic (header: string | undefined): BasicCredentials | null {
  if (header === undefined) return null
  const m = /^Basic\s+(\S+)\s*$/i.exec(header)
  if (m === null) return null
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return { user: decoded, password: null }
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

export interface AuthSettings {
  flavor: Flavor
  credentials: { user: string, password: string } | null
}

function realm (flavor: Flavor): string {
  return `Basic realm="${flavor === 'trino' ? 'Trino' : 'Presto'}"`
}

/**
 * The identity of a request to an authenticated resource, or null after answering 401 (or 400).
 * With credentials configured this is the password authenticator; without, Trino's insecure
 * authenticator (user from Basic or the user header, and a password is refused).
 */
export function authenticate (req: IncomingMessage, res: ServerResponse, settings: AuthSettings, requireUser: boolean): string | null {
  const { flavor, credentials } = settings
  const basic = parseBasic(req.headers.authorization)
  const headerUser = familyHeader(req.headers, flavor, 'User')
  if (credentials !== null) {
    if (basic === null) {
      sendText(res, 401, 'Unauthorized', { 'www-authenticate': realm(flavor) })
      return null
    }
    if (basic.user !== credentials.user || basic.password !== credentials.password) {
      sendText(res, 401, 'Access Denied: Invalid credentials', { 'www-authenticate': realm(flavor) })
      return null
    }
    return headerUser ?? basic.user
  }
  if (flavor === 'trino' && basic !== null && basic.password !== null && basic.password !== '') {
    sendText(res, 401, 'Password not allowed for insecure authentication', { 'www-authenticate': realm(flavor) })
    return null
  }
  const user = basic?.user ?? headerUser
  if (user === undefined || user === '') {
    if (!requireUser) return ''
    if (flavor === 'trino') {
      sendText(res, 401, `Basic authentication or ${headerPrefix(flavor)}User must be sent`, { 'www-authenticate': realm(flavor) })
    } else {
      sendText(res, 400, 'User must be set')
    }
    return null
  }
  return user
}

export function uiCookieName (flavor: Flavor): string {
  return flavor === 'trino' ? 'Trino-UI-Token' : 'Presto-UI-Token'
}

export function formLoginChallenge (flavor: Flavor): string {
  return flavor === 'trino' ? 'Trino-Form-Login' : 'Presto-Form-Login'
}

function readCookie (header: string | undefined, name: string): string | null {
  if (header === undefined) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/** Web UI sessions from /ui/login; expiring them all lets tests exercise a monitor's re-login. */
export class UiSessions {
  private readonly sessions = new Map<string, string>()

  create (user: string): string {
    const token = randomBytes(24).toString('base64url')
    this.sessions.set(token, user)
    return token
  }

  userOf (req: IncomingMessage, flavor: Flavor): string | null {
    const token = readCookie(req.headers.cookie, uiCookieName(flavor))
    return token === null ? null : this.sessions.get(token) ?? null
  }

  expireAll (): void {
    this.sessions.clear()
  }
}
