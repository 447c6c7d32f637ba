import { tracingChannel } from 'node:diagnostics_channel'

/**
 * Counts the statements mysql2 sends (its `mysql2:query` and `mysql2:execute` tracing channels, shared by every
 * copy of mysql2 in the process), while `count` runs. Nothing is subscribed outside it, so timed rounds pay
 * nothing for it (mysql2 checks for subscribers before tracing).
 */
export async function countMysql2Statements(run: () => Promise<void>): Promise<number> {
  let statements = 0
  const handlers = {
    start: () => {
      statements++
    },
  }
  const channels = [tracingChannel('mysql2:query'), tracingChannel('mysql2:execute')]
  for (const channel of channels) channel.subscribe(handlers)
  try {
    await run()
  } finally {
    for (const channel of channels) channel.unsubscribe(handlers)
  }
  return statements
}
