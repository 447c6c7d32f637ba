import type { KyselyPlugin, LogConfig } from 'kysely'
import { z } from 'zod'
import { RedactionOptionsSchema, SensitiveColumns } from '../plugin/logging/redaction.js'
import { parseOptions } from '../util/parse-options.js'
import { type ResolvedTypeCastOptions, TYPE_CAST_DEFAULTS, TypeCastOptionsSchema } from './type-cast.js'

const POSITIVE_INTEGER = 'must be a positive integer'
const NON_NEGATIVE_INTEGER = 'must be a whole number, zero or more'

const positiveInteger = () =>
  z.number({ error: POSITIVE_INTEGER }).int({ error: POSITIVE_INTEGER }).positive({ error: POSITIVE_INTEGER })
const nonNegativeInteger = () =>
  z
    .number({ error: NON_NEGATIVE_INTEGER })
    .int({ error: NON_NEGATIVE_INTEGER })
    .nonnegative({ error: NON_NEGATIVE_INTEGER })
const text = (what = 'a string') => z.string({ error: `must be ${what}` })
const nonEmptyText = (what: string) => text(what).min(1, { error: `must be ${what}` })

const PORT = 'must be a port number from 1 to 65535'
const port = () =>
  z.number({ error: PORT }).int({ error: PORT }).min(1, { error: PORT }).max(65_535, { error: PORT })

const TIME_ZONE = "must be 'Z', 'local' or an offset like '+02:00'"

const SslSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      ca: z.union([z.string(), z.instanceof(Buffer)]).optional(),
      cert: z.union([z.string(), z.instanceof(Buffer)]).optional(),
      key: z.union([z.string(), z.instanceof(Buffer)]).optional(),
      rejectUnauthorized: z.boolean().optional(),
      minVersion: z.string().optional(),
    }),
  ],
  { error: 'must be true, false or an object with ca, cert, key, rejectUnauthorized, minVersion' },
)

const PoolSchema = z.strictObject({
  max: positiveInteger().default(10),
  maxIdle: nonNegativeInteger().optional(),
  idleTimeoutMs: positiveInteger().default(60_000),
  queueLimit: nonNegativeInteger().default(0),
  acquireTimeoutMs: positiveInteger().default(5_000),
  validateAfterIdleMs: nonNegativeInteger().default(5_000),
  keepAliveInitialDelayMs: nonNegativeInteger().default(30_000),
})

const ShutdownSchema = z.strictObject({
  timeoutMs: positiveInteger().default(10_000),
})

const DatabaseOptionsSchema = z
  .strictObject({
    url: nonEmptyText('a mysql:// or mariadb:// URL').optional(),
    host: nonEmptyText('a non-empty host name').optional(),
    port: port().optional(),
    user: nonEmptyText('a non-empty user name').optional(),
    password: text().optional(),
    database: text('a database name of 1 to 64 characters')
      .min(1, { error: 'must be a database name of 1 to 64 characters' })
      .max(64, { error: 'must be a database name of 1 to 64 characters' })
      .optional(),
    socketPath: nonEmptyText('a socket file path').optional(),
    ssl: SslSchema.optional(),
    timezone: text(TIME_ZONE)
      .regex(/^(?:Z|local|[+-]\d\d:\d\d)$/, { error: TIME_ZONE })
      .default('Z'),
    charset: text('a utf8mb4 collation name')
      .regex(/^utf8mb4(?:_[a-z0-9]+)*$/i, {
        error: "must be a utf8mb4 collation such as 'utf8mb4_unicode_ci'",
      })
      .default('utf8mb4_unicode_ci'),
    connectTimeoutMs: positiveInteger().default(10_000),
    pool: PoolSchema.default(() => PoolSchema.parse({})),
    shutdown: ShutdownSchema.default(() => ShutdownSchema.parse({})),
    log: z
      .custom<LogConfig>((value) => typeof value === 'function' || Array.isArray(value), {
        error: "must be a function or an array of 'query' and 'error'",
      })
      .optional(),
    /**
     * How column values are read (BIGINT, TINYINT(1), DATE, DATETIME, JSON): see `TypeCastOptions`. Give codegen the
     * same `types` so the generated types match. Defaults to `{ bigint: 'string', tinyint1: 'number', date: 'string',
     * datetime: 'date', json: 'string' }`.
     */
    types: TypeCastOptionsSchema.default(() => ({ ...TYPE_CAST_DEFAULTS })),
    /**
     * The rules by which a failed statement's values are scrubbed from the errors the database throws: the query
     * logger's (`RedactionOptions`: sensitive column names and patterns), applied to the driver error's `sql`,
     * `message`, `sqlMessage` and stack and to `UniqueViolationError.value` before anyone sees them. `false` leaves
     * errors as the driver made them. Defaults to `{}`: the logger's default sensitive columns
     * (`DEFAULT_SENSITIVE_COLUMNS`).
     */
    redactErrors: z
      .union([z.literal(false), RedactionOptionsSchema], {
        error: 'must be false or redaction options ({ columns, tables, isSensitive })',
      })
      .default(() => ({})),
    plugins: z
      .array(
        z.custom<KyselyPlugin>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            typeof (value as { transformQuery?: unknown }).transformQuery === 'function' &&
            typeof (value as { transformResult?: unknown }).transformResult === 'function',
          { error: 'must be a Kysely plugin (an object with transformQuery and transformResult)' },
        ),
        { error: 'must be an array of Kysely plugins' },
      )
      .default([]),
  })
  .superRefine((options, context) => {
    if (options.url === undefined && options.host === undefined && options.socketPath === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'or host or socketPath must be given',
        input: undefined,
      })
    }
    if (options.url !== undefined) {
      const problem = checkUrl(options.url)
      if (problem)
        context.addIssue({ code: 'custom', path: ['url'], message: problem, input: redactUrl(options.url) })
      for (const field of ['host', 'port', 'user', 'password', 'database', 'socketPath'] as const) {
        if (options[field] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [field],
            message: 'cannot be combined with url (give the connection as a URL or as fields, not both)',
            input: field === 'password' ? '[REDACTED]' : options[field],
          })
        }
      }
    }
    if (options.pool.maxIdle !== undefined && options.pool.maxIdle > options.pool.max) {
      context.addIssue({
        code: 'custom',
        path: ['pool', 'maxIdle'],
        message: `must not exceed pool.max (${options.pool.max})`,
        input: options.pool.maxIdle,
      })
    }
  })

/** What {@link createDatabase} accepts: a connection (URL or fields) and the pool, shutdown and Kysely settings. */
export type DatabaseOptions = z.input<typeof DatabaseOptionsSchema>

/** Pool settings; every field is optional and documented with its default. */
export interface PoolOptions {
  /** Most connections open at once (mysql2 `connectionLimit`). Defaults to `10`. */
  readonly max?: number
  /** Most idle connections kept; extra idle ones are closed after `idleTimeoutMs`. Defaults to `max`. */
  readonly maxIdle?: number
  /** How long an idle connection above `maxIdle` lives. Defaults to `60_000`. */
  readonly idleTimeoutMs?: number
  /** Most callers waiting for a connection; `0` is no limit (the acquire timeout still bounds each wait). Defaults to `0`. */
  readonly queueLimit?: number
  /** How long a caller waits for a free connection before a `PoolTimeoutError`. Defaults to `5_000`. */
  readonly acquireTimeoutMs?: number
  /**
   * A connection idle longer than this is pinged before it is handed out, and replaced if the ping fails, so that
   * connections cut while idle (server restart, firewall, wait_timeout) never fail a query. `0` pings every time.
   * Defaults to `5_000`.
   */
  readonly validateAfterIdleMs?: number
  /** TCP keep-alive initial delay; keeps idle connections alive through NATs and firewalls. Defaults to `30_000`. */
  readonly keepAliveInitialDelayMs?: number
}

/** The connection a database talks to, resolved from a URL or fields. */
export interface ConnectionSettings {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string | undefined
  readonly socketPath: string | undefined
}

/** Options after validation and defaults; frozen. */
export interface ResolvedDatabaseOptions {
  readonly connection: ConnectionSettings
  /** Passed to mysql2 as is. */
  readonly ssl: z.output<typeof SslSchema> | undefined
  /** Session time zone used to read and write DATETIME/TIMESTAMP as `Date`. Defaults to `'Z'` (UTC). */
  readonly timezone: string
  /** Connection collation. Defaults to `'utf8mb4_unicode_ci'` (accepted by MySQL 8 and MariaDB alike). */
  readonly charset: string
  /** How long opening one connection may take. Defaults to `10_000`. */
  readonly connectTimeoutMs: number
  readonly pool: Required<PoolOptions>
  /** `shutdown.timeoutMs`: how long `close()` lets running queries finish. Defaults to `10_000`. */
  readonly shutdown: { readonly timeoutMs: number }
  readonly log: LogConfig | undefined
  readonly plugins: readonly KyselyPlugin[]
  /** How column values are read; see `TypeCastOptions` for each default. */
  readonly types: ResolvedTypeCastOptions
  /** Which values are scrubbed from errors; `undefined` when `redactErrors` is `false`. */
  readonly redactErrors: SensitiveColumns | undefined
}

/**
 * Options that are refused on purpose, with the reason given in the error message.
 */
const REFUSED_OPTIONS = {
  multipleStatements:
    'multiple statements per query are always off in kysely-toolkit (they turn any SQL injection into arbitrary SQL)',
  primary: 'a primary with replicas is made by createReplicatedDatabase, not createDatabase',
  replicas: 'a primary with replicas is made by createReplicatedDatabase, not createDatabase',
} as const

/**
 * Validates database options and fills in the defaults. Every bad field is reported at once, each as
 * `<field> <what was expected> (got <what was given>)`; passwords are never echoed.
 *
 * @throws {InvalidOptionsError} when any option is invalid.
 *
 * @example
 * ```ts
 * import { resolveDatabaseOptions } from 'kysely-toolkit'
 *
 * const options = resolveDatabaseOptions({ url: 'mysql://app:secret@127.0.0.1:3306/shop', pool: { max: 20 } })
 * options.pool.acquireTimeoutMs // 5000
 * ```
 */
export function resolveDatabaseOptions(options: DatabaseOptions): ResolvedDatabaseOptions {
  const parsed = parseOptions(DatabaseOptionsSchema, options, 'database options', REFUSED_OPTIONS)
  const connection = parsed.url === undefined ? connectionFromFields(parsed) : connectionFromUrl(parsed.url)
  return Object.freeze({
    connection: Object.freeze(connection),
    ssl: parsed.ssl,
    timezone: parsed.timezone,
    charset: parsed.charset,
    connectTimeoutMs: parsed.connectTimeoutMs,
    pool: Object.freeze({ ...parsed.pool, maxIdle: parsed.pool.maxIdle ?? parsed.pool.max }),
    shutdown: parsed.shutdown,
    log: parsed.log,
    plugins: parsed.plugins,
    types: parsed.types,
    redactErrors: parsed.redactErrors === false ? undefined : new SensitiveColumns(parsed.redactErrors),
  })
}

function connectionFromFields(parsed: z.output<typeof DatabaseOptionsSchema>): ConnectionSettings {
  return {
    host: parsed.host ?? 'localhost',
    port: parsed.port ?? 3306,
    user: parsed.user ?? 'root',
    password: parsed.password ?? '',
    database: parsed.database,
    socketPath: parsed.socketPath,
  }
}

const URL_PROTOCOLS = new Set(['mysql:', 'mariadb:'])

/**
 * What is wrong with a connection URL, as the end of a sentence ("must name a host"), or `undefined` when it is fine.
 *
 * @internal
 */
export function checkUrl(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be a URL like mysql://user:password@host:3306/database'
  }
  if (!URL_PROTOCOLS.has(parsed.protocol)) return 'must start with mysql:// or mariadb://'
  if (!parsed.hostname) return 'must name a host'
  // A `%` not followed by two hex digits would make decodeURIComponent throw a bare URIError later.
  for (const [part, value] of [
    ['user name', parsed.username],
    ['password', parsed.password],
    ['database name', parsed.pathname],
  ] as const) {
    if (!isDecodable(value)) {
      return `has a malformed percent-escape in its ${part}: write a literal % as %25 (encodeURIComponent does)`
    }
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (database.includes('/')) return 'must name at most one database in its path'
  if (database.length > 64) return 'must name a database of at most 64 characters'
  const unknown = [...parsed.searchParams.keys()]
  if (unknown.length > 0) {
    return `has query parameters (${unknown.join(', ')}); give pool, ssl and other settings as options instead`
  }
  return undefined
}

function isDecodable(text: string): boolean {
  try {
    decodeURIComponent(text)
    return true
  } catch {
    return false
  }
}

function connectionFromUrl(url: string): ConnectionSettings {
  const parsed = new URL(url)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database: database || undefined,
    socketPath: undefined,
  }
}

/**
 * The URL with its password replaced by `***`, for messages and logs.
 *
 * @example
 * ```ts
 * redactUrl('mysql://app:secret@db:3306/shop') // 'mysql://app:***@db:3306/shop'
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '[unparseable URL]'
  }
}
