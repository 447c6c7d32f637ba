import type { Writable } from 'node:stream'

/** Where a command writes; injected so commands are testable in process. */
export interface CommandIo {
  readonly stdout: Writable
  readonly stderr: Writable
  /** Environment variables (the connection comes from DATABASE_URL or DB_*, never from argv). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Working directory, where the config file is looked for. */
  readonly cwd: string
}

/**
 * One CLI command. `run` returns the process exit code; only `bin.ts` calls `process.exit`.
 * Every command answers `--help` with its `usage`.
 */
export interface Command {
  /** The word after `kysely-toolkit`, e.g. `migrate`. */
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** The full `--help` text. */
  readonly usage: string
  run(args: readonly string[], io: CommandIo): Promise<number>
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
