import createError from '@fastify/error'

export const Unauthorized = createError<'PHG_ERR_ADMIN_UNAUTHORIZED', 401, [why: string]>('PHG_ERR_ADMIN_UNAUTHORIZED', '%s', 401)
export const Forbidden = createError<'PHG_ERR_ADMIN_FORBIDDEN', 403, [name: string]>('PHG_ERR_ADMIN_FORBIDDEN', 'token "%s" has the viewer role: changes need an admin token', 403)
export const LastActiveCluster = createError<'PHG_ERR_LAST_ACTIVE_CLUSTER', 409, [cluster: string, group: string]>(
  'PHG_ERR_LAST_ACTIVE_CLUSTER', 'draining %s would leave routing group "%s" without an active cluster; repeat with ?force=true to do it anyway', 409)
export const NotDrained = createError<'PHG_ERR_NOT_DRAINED', 409, [cluster: string, state: string]>(
  'PHG_ERR_NOT_DRAINED', 'cluster %s is %s: drain it until it is drained, or repeat with ?force=true', 409)
export const InvalidCluster = createError<'PHG_ERR_INVALID_CLUSTER', 400, [detail: string]>('PHG_ERR_INVALID_CLUSTER', 'invalid cluster: %s', 400)
export const UnknownQuery = createError<'PHG_ERR_UNKNOWN_QUERY', 404, [id: string]>('PHG_ERR_UNKNOWN_QUERY', 'no coordinator knows query %s', 404)
