// Typed errors of the HA primitives (switchover, agreed primaries); the admin API maps them to HTTP
// through their statusCode and code.
import createError from '@fastify/error'

export const UnknownClusterError = createError<'PHG_ERR_UNKNOWN_CLUSTER', 404, [cluster: string]>(
  'PHG_ERR_UNKNOWN_CLUSTER', 'Unknown cluster "%s"', 404)

export const UnknownCoordinatorError = createError<'PHG_ERR_UNKNOWN_COORDINATOR', 404, [cluster: string, coordinator: string]>(
  'PHG_ERR_UNKNOWN_COORDINATOR', 'Cluster "%s" has no coordinator "%s"', 404)

export const CoordinatorNotUpError = createError<'PHG_ERR_COORDINATOR_NOT_UP', 409, [coordinator: string, cluster: string, state: string]>(
  'PHG_ERR_COORDINATOR_NOT_UP', 'Coordinator "%s" of cluster "%s" is %s: only a coordinator that is up can become primary', 409)

export const SwitchoverInProgressError = createError<'PHG_ERR_SWITCHOVER_IN_PROGRESS', 409, [cluster: string, to: string]>(
  'PHG_ERR_SWITCHOVER_IN_PROGRESS', 'A switchover of cluster "%s" (to "%s") is already in progress', 409)

export const SwitchoverPolicyError = createError<'PHG_ERR_SWITCHOVER_PREFER_FIRST', 409, [cluster: string, first: string, firstAgain: string]>(
  'PHG_ERR_SWITCHOVER_PREFER_FIRST',
  'Cluster "%s" uses failback prefer-first: it would return to "%s" at once; shut "%s" down gracefully instead, or use failback sticky', 409)

export const SwitchoverTimeoutError = createError<'PHG_ERR_SWITCHOVER_TIMEOUT', 504, [cluster: string, coordinator: string, ms: number, load: string]>(
  'PHG_ERR_SWITCHOVER_TIMEOUT', 'Switchover of cluster "%s" gave up: its primary "%s" still had work after %d ms (%s); it takes new queries again', 504)

export const SwitchoverAbortedError = createError<'PHG_ERR_SWITCHOVER_ABORTED', 409, [cluster: string, why: string]>(
  'PHG_ERR_SWITCHOVER_ABORTED', 'Switchover of cluster "%s" aborted: %s', 409)

export const HaUnavailableError = createError<'PHG_ERR_HA_UNAVAILABLE', 503, [what: string]>(
  'PHG_ERR_HA_UNAVAILABLE', 'Redis is unreachable: %s needs the replicas to agree and cannot be done now', 503)
