import type { GatewayContext } from '../gateway-context.js'
import type { QueryRoute } from '../affinity/types.js'

function first (v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/**
 * Transactions announce themselves on a statement's executing responses (never on its POST):
 * Started-Transaction-Id names the new one, Clear-Transaction-Id ends the one the statement ran in.
 */
export async function watchTransactionHeaders (ctx: GatewayContext, route: QueryRoute, headers: Record<string, string | string[] | undefined>): Promise<void> {
  const started = first(headers['x-trino-started-transaction-id'] ?? headers['x-presto-started-transaction-id'])
  if (started !== undefined && started !== '') {
    await ctx.store.putTransaction(started, { cluster: route.cluster, coordinator: route.coordinator, startedAt: Date.now() })
    ctx.logger.info({ cluster: route.cluster, coordinator: route.coordinator, transactionId: started }, 'transaction started')
  }
  const cleared = first(headers['x-trino-clear-transaction-id'] ?? headers['x-presto-clear-transaction-id'])
  if (cleared !== undefined && route.transactionId !== undefined) {
    await ctx.store.deleteTransaction(route.transactionId)
    ctx.logger.info({ cluster: route.cluster, coordinator: route.coordinator, transactionId: route.transactionId }, 'transaction ended')
  }
}
