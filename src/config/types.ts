import type { RawConfig, Flavor, RoutingMode } from './schema.js'

export type { Flavor, RoutingMode }
export type Failback = 'sticky' | 'prefer-first'

export interface CoordinatorConfig {
  name: string
  /** how the gateway reaches it, without trailing slash */
  url: string
  /** how clients reach it (redirect Location, Host of a handed-off POST); defaults to url */
  externalUrl: string
}

export interface ClusterConfig {
  name: string
  flavor: Flavor
  group: string
  weight: number
  failback: Failback
  minWorkers: number
  forwardedHeaders: boolean
  monitor?: { user: string, password?: string | undefined } | undefined
  discovery?: { port: number } | undefined
  coordinators: CoordinatorConfig[]
}

export type Config = Omit<RawConfig, 'clusters'> & { clusters: ClusterConfig[] }

export interface ConfigIssue {
  /** JSON-pointer-like path such as /clusters/0/coordinators/1/url */
  path: string
  message: string
}
