export * from './headers.js'
export * from './query-id.js'
export * from './documents.js'
export * from './safe-header.js'
