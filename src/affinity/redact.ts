/**
 * A Redis URL fit for logs: the password — in the userinfo or a `?password=` / `?sentinelPassword=`
 * parameter — replaced by "***". A username alone is kept.
 */
export function redactRedisUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    for (const key of [...u.searchParams.keys()]) {
      if (/pass/i.test(key)) u.searchParams.set(key, '***')
    }
    return u.toString()
  } catch {
    return '<unparseable redis url>'
  }
}
