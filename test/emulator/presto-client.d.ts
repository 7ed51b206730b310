// presto-client ships no types; this covers what the emulator tests call.
declare module 'presto-client' {
  export interface PrestoClientOptions {
    host?: string
    port?: number
    user?: string
    engine?: 'trino' | 'presto'
    basic_auth?: { user: string, password: string }
    checkInterval?: number
    timeout?: number
    source?: string
  }
  export interface PrestoStats { state: string, [key: string]: unknown }
  export interface PrestoError { message: string, errorName?: string, [key: string]: unknown }
  export interface ExecuteOptions {
    query: string
    catalog?: string
    schema?: string
    session?: string
    cancel?: () => boolean
    state?: (error: PrestoError | null, queryId: string, stats: PrestoStats) => void
    columns?: (error: PrestoError | null, columns: Array<{ name: string, type: string }>) => void
    data?: (error: PrestoError | null, data: unknown[][], columns: unknown, stats: PrestoStats) => void
    success?: (error: PrestoError | null, stats: PrestoStats) => void
    error?: (error: PrestoError) => void
  }
  export class Client {
    constructor (options: PrestoClientOptions)
    execute (options: ExecuteOptions): void
    kill (queryId: string, callback?: (error: unknown) => void): void
  }
  const presto: { Client: typeof Client }
  export default presto
}
