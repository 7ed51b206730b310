export { startEmulator } from './emulator.js'
export { parseEmulateArgs } from './args.js'
export { startWorkerAnnouncer } from './worker-announcer.js'
export type { WorkerAnnouncer, WorkerAnnouncerOptions } from './worker-announcer.js'
export { QUERY_ID_PATTERN } from './query-id.js'
export type {
  Announcement,
  EmulatorHandle,
  EmulatorOptions,
  EmulatorStats,
  FailOptions,
  FaultController,
  FaultScope,
  FaultState,
  Flavor,
  NodeState,
  QueryState,
  QuerySummary,
  ServiceDescriptor
} from './types.js'
