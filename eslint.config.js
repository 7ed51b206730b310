import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'coverage/**'] }),
  {
    rules: {
      // Test names and protocol docs read better with the occasional long line.
      '@stylistic/max-len': 'off'
    }
  }
]
