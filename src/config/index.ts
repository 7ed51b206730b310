export * from './types.js'
export { ConfigError, formatIssues } from './errors.js'
export { loadConfigFile, parseConfigText, validateConfig, validateCluster, normalizeCluster } from './load.js'
export { ConfigSchema, ClusterSchema } from './schema.js'
