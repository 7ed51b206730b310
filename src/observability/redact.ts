/** Where credentials can appear in a log line; pino replaces them with [redacted]. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-trino-extra-credential"]',
  'req.headers["x-presto-extra-credential"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  'password',
  'token'
]
