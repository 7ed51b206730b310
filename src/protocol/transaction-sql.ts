// START TRANSACTION, COMMIT and ROLLBACK announce their effect in headers of the executing
// responses, so the gateway must see those responses: it proxies such statements in every mode.

const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/
const CONTROL = /^(?:START\s+TRANSACTION|COMMIT|ROLLBACK)\b/i

/** Looks at the first few hundred characters only: a statement's kind is decided by its start. */
export function isTransactionControl (sql: string): boolean {
  const head = sql.length > 4096 ? sql.slice(0, 4096) : sql
  const rest = head.slice(LEADING.exec(head)?.[0].length ?? 0)
  return CONTROL.test(rest)
}
