import type { Flavor } from './types.js'

/** A result column before it is rendered for one flavor: the base type and its numeric parameters. */
export interface ColumnSpec {
  name: string
  rawType: string
  params: number[]
}

export const UNBOUNDED_VARCHAR = 2147483647

export function column (name: string, rawType: string, params: number[] = []): ColumnSpec {
  return { name, rawType, params }
}

function typeName (c: ColumnSpec): string {
  if (c.rawType === 'varchar' && c.params[0] === UNBOUNDED_VARCHAR) return 'varchar'
  return c.params.length === 0 ? c.rawType : `${c.rawType}(${c.params.join(',')})`
}

/** Renders columns as each server writes them: Trino's typeSignature uses kind LONG, Presto's LONG_LITERAL plus legacy lists. */
export function renderColumns (columns: ColumnSpec[], flavor: Flavor): Array<Record<string, unknown>> {
  return columns.map((c) => {
    if (flavor === 'trino') {
      return {
        name: c.name,
        type: typeName(c),
        typeSignature: { rawType: c.rawType, arguments: c.params.map((value) => ({ kind: 'LONG', value })) }
      }
    }
    return {
      name: c.name,
      type: typeName(c),
      typeSignature: {
        rawType: c.rawType,
        typeArguments: [],
        literalArguments: [],
        arguments: c.params.map((value) => ({ kind: 'LONG_LITERAL', value }))
      }
    }
  })
}
