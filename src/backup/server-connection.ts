import { type Connection, createConnection, type QueryOptions, type SslOptions } from 'mysql2'
import type { ResolvedDatabaseOptions } from '../database/database-options.js'

/** A value of a row read with `typeCast: false`: the server's bytes, or `null`. */
export type RawValue = Buffer | null

/**
 * One mysql2 connection (callback API, for streaming) with promise helpers, made from resolved database options.
 * Sessions are set for exact dumps and restores: UTC (`time_zone = '+00:00'`) so TIMESTAMP text is the same
 * whatever the server's zone, utf8mb4, and a plain `sql_mode` (no ANSI_QUOTES, so SHOW CREATE output is portable).
 *
 * @internal
 */
export class ServerConnection {
  readonly raw: Connection
  readonly #binary: boolean
  #closed = false

  private constructor(raw: Connection, binary: boolean) {
    this.raw = raw
    this.#binary = binary
    // A connection cut while idle must not crash the process; the next query reports the error.
    raw.on('error', () => {})
  }

  static async open(
    options: ResolvedDatabaseOptions,
    database: string | undefined,
    sessionStatements: readonly string[] = [],
    encoding: 'utf8mb4' | 'binary' = 'utf8mb4',
  ): Promise<ServerConnection> {
    const { connection } = options
    const raw = createConnection({
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password,
      ...(database === undefined ? {} : { database }),
      ...(connection.socketPath === undefined ? {} : { socketPath: connection.socketPath }),
      ...(options.ssl === undefined || options.ssl === false
        ? {}
        : { ssl: options.ssl === true ? {} : (withoutUndefined(options.ssl) as SslOptions) }),
      // binary: statements go out as the bytes given to executeBytes (in whatever character_set_client is set).
      charset: encoding === 'binary' ? 'BINARY' : 'utf8mb4_general_ci',
      connectTimeout: options.connectTimeoutMs,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      enableKeepAlive: true,
    })
    const opened = new ServerConnection(raw, encoding === 'binary')
    try {
      await new Promise<void>((resolve, reject) => {
        raw.connect((error) => (error ? reject(error) : resolve()))
      })
      await opened.query(
        "SET SESSION time_zone = '+00:00', SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', SESSION net_write_timeout = 600, SESSION net_read_timeout = 600",
      )
      for (const statement of sessionStatements) await opened.query(statement)
    } catch (error) {
      opened.destroy()
      throw error
    }
    return opened
  }

  /** Runs a statement; rows come back as objects with strings and numbers (DATE/TIME as strings). */
  query<T = Record<string, unknown>>(sql: string, values?: readonly unknown[]): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.raw.query({ sql, ...(values === undefined ? {} : { values: values as never }) }, (error, rows) =>
        error ? reject(error) : resolve(rows as T[]),
      )
    })
  }

  /** Runs a statement and returns the affected row count. */
  execute(sql: string | Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const options: QueryOptions = { sql: typeof sql === 'string' ? sql : (sql as unknown as string) }
      this.raw.query(options, (error, result) =>
        error ? reject(error) : resolve((result as { affectedRows?: number }).affectedRows ?? 0),
      )
    })
  }

  /**
   * Sends a statement as exactly these bytes (the server reads them in the session's `character_set_client`). Only on
   * a connection opened with the `'binary'` encoding, whose driver passes each character of a `latin1` string on as
   * one byte.
   */
  executeBytes(statement: Buffer): Promise<number> {
    if (!this.#binary) throw new Error('executeBytes needs a connection opened with the binary encoding')
    return this.execute(statement.toString('latin1'))
  }

  /** Runs a query and returns its rows as arrays of raw bytes (no conversion at all). */
  queryRaw(sql: string, values?: readonly unknown[]): Promise<RawValue[][]> {
    return new Promise((resolve, reject) => {
      this.raw.query(
        {
          sql,
          rowsAsArray: true,
          typeCast: false,
          ...(values === undefined ? {} : { values: values as never }),
        },
        (error, rows) => (error ? reject(error) : resolve(rows as unknown as RawValue[][])),
      )
    })
  }

  /** Ends the connection politely (waits for queued commands); destroys it if that fails. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await new Promise<void>((resolve) => {
      this.raw.end(() => resolve())
    }).catch(() => {})
    this.raw.destroy()
  }

  /** Cuts the connection at once (the server rolls back its transaction). */
  destroy(): void {
    this.#closed = true
    this.raw.destroy()
  }
}

/** Quotes an identifier for MySQL/MariaDB: `name` with backticks doubled. @internal */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``
}

function withoutUndefined(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined))
}
