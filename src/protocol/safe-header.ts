// Header-injection guard. A value that reaches a `Location` or a forwarded request header must not
// be able to end the header (CR/LF), truncate it in some intermediary (NUL), or carry other control
// bytes. Node itself throws ERR_INVALID_CHAR on some of these at write time, which would turn a
// hostile request into a crashed response; checking first lets the caller answer 400 instead.
//
// Allowed: SP, visible ASCII 0x21-0x7E, and obs-text 0x80-0xFF (RFC 9110 field-vchar). Rejected:
// every C0 control including HTAB (legal in RFC 9110 but never needed by this protocol, and a
// Location with a tab is always an attack), DEL, and any code point above 0xFF (node cannot write
// those as latin-1 header bytes).

/** Whether a header value (or every value of a multi-valued header) is safe to send on. */
export function isSafeHeaderValue (value: string | readonly string[]): boolean {
  if (typeof value === 'string') return isSafeString(value)
  for (const v of value) {
    if (!isSafeString(v)) return false
  }
  return true
}

function isSafeString (v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || c > 0xff) return false
  }
  return true
}
