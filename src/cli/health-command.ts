import { parseArgs } from 'node:util'
import { type Command, UsageError } from './command.js'
import { connectFromEnv } from './connect.js'

/** `kysely-toolkit health`: one round trip; exit code 0 when healthy, 1 when not. */
export const healthCommand: Command = {
  name: 'health',
  summary: 'Check that the database answers; prints status, latency, server version and pool counts',
  usage: `Usage: kysely-toolkit health [--timeout <ms>] [--json]

Options:
  --timeout <ms>   how long the check may take (default 2000)
  --json           print the report as JSON
  -h, --help       show this help

Exit code 0 when healthy, 1 when not. The connection comes from DATABASE_URL, or DB_HOST, DB_PORT, DB_USER,
DB_PASSWORD, DB_NAME.`,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: { timeout: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
    })
    const timeoutMs = values.timeout === undefined ? 2_000 : Number(values.timeout)
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new UsageError(
        `--timeout must be a positive number of milliseconds (got ${JSON.stringify(values.timeout)})`,
      )
    }
    // A server that accepts the connection and never answers: the open socket must not outlive the check, or the
    // process would wait for the 10 s connect timeout after printing the result (useless as a liveness probe).
    const database = connectFromEnv(io, { connectTimeoutMs: timeoutMs })
    try {
      const report = await database.health({ timeoutMs })
      if (values.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      } else if (report.status === 'healthy') {
        io.stdout.write(
          `healthy  ${report.serverVersion}  ${report.latencyMs?.toFixed(2)} ms  pool: ${report.pool.total} open, ${report.pool.idle} idle, ${report.pool.inUse} in use, ${report.pool.waiting} waiting\n`,
        )
      } else {
        io.stdout.write(`unhealthy  ${report.error?.code}: ${report.error?.message}\n`)
      }
      return report.status === 'healthy' ? 0 : 1
    } finally {
      await database.close({ timeoutMs: 1_000 })
    }
  },
}
