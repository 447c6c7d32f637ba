import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'
import { EncryptionSetupError } from '../../error/encryption-setup-error.js'
import { InvalidOptionsError } from '../../error/invalid-options-error.js'
import type { SchemaMetadata } from '../../schema/schema-metadata.js'
import { computeBlindIndex } from './blind-index.js'
import { checkRegistryAgainstSchema } from './check-encrypted-columns.js'
import {
  type EncryptedColumn,
  type EncryptedColumnRegistry,
  type EncryptedTables,
  resolveEncryptedTables,
  type UnknownDatabase,
} from './encrypted-columns.js'
import {
  EncryptionTransformer,
  type LookupFilter,
  type ResultPlan,
  type ValuePlan,
} from './encryption-transformer.js'
import {
  decodePayload,
  type EncryptableValue,
  encodePayload,
  isEnvelope,
  openPayload,
  openValue,
  sealValue,
} from './envelope.js'
import { type EncryptionKeyring, getKeyringState, MAX_KEY_ID_LENGTH } from './keyring.js'
import { findResultKey, resultKeyCandidates } from './name-forms.js'

/**
 * Options of {@link EncryptionPlugin}.
 *
 * @example
 * ```ts
 * import { createKeyring, readKeysFromEnv, type EncryptionPluginOptions } from 'kysely-toolkit/encryption'
 *
 * interface DB { users: { id: number; ssn: string; email: string; email_index: number | null } }
 * const options: EncryptionPluginOptions<DB> = {
 *   keyring: createKeyring({ keys: readKeysFromEnv() }),
 *   tables: { users: { ssn: true, email: { blindIndex: { column: 'email_index', bits: 16 } } } },
 * }
 * ```
 */
export interface EncryptionPluginOptions<DB = UnknownDatabase> {
  /** The keys. A keyring fed by an async provider must be loaded before the first query. */
  readonly keyring: EncryptionKeyring
  /** The encrypted columns per table, typed against `DB`. */
  readonly tables: EncryptedTables<DB>
  /**
   * Migration mode: return values that are not ciphertext (legacy plaintext) as they are instead of throwing
   * `DecryptionError`. They are encrypted on their next write, or all at once by `rotateEncryptionKeys`.
   * Damaged ciphertext still throws. Defaults to `false`.
   */
  readonly readLegacyPlaintext?: boolean | undefined
  /**
   * The schema metadata `kysely-toolkit codegen` generates (`metadata` from `metadata.ts`). When given, the
   * configuration is checked against it at construction (see `checkEncryptedColumns`): a table or column that is
   * not in the schema, a column that is not a text or binary type or is too short for the envelope of its
   * `maxPlaintextBytes`, or a missing or too narrow blind-index column throws `EncryptionSetupError`. Lengths
   * are checked for the keyring's longest key id (32 characters while a provider's keyring is not loaded).
   * Defaults to none: run `verifyEncryptionSetup` against the database instead (or as well).
   */
  readonly schema?: SchemaMetadata | undefined
  /**
   * Receives the warnings of the schema check (columns that look sized for plaintext). Defaults to
   * `process.emitWarning` (type `EncryptionSchemaWarning`).
   */
  readonly onSchemaWarning?: ((message: string) => void) | undefined
}

interface QueryState {
  readonly plan: ResultPlan
  /** Rows dropped by OFFSET and rows emitted so far (a streamed query reaches transformResult per chunk). */
  skipped: number
  emitted: number
}

let readInternals: (plugin: object) => PluginInternals | undefined

/** What `verifyEncryptionSetup` and `rotateEncryptionKeys` need from a plugin. @internal */
export interface PluginInternals {
  readonly registry: EncryptedColumnRegistry
  readonly keyring: EncryptionKeyring
  readonly readLegacyPlaintext: boolean
}

/**
 * Transparent AES-256-GCM column encryption (XAES-256-GCM subkeys), with blind-index lookups.
 *
 * Values written to the configured columns (insert values, single and multi-row; update SET; ON DUPLICATE
 * KEY UPDATE) are encrypted into a text envelope bound to their `table.column`, and decrypted in results:
 * columns selected directly, with an alias, through joins, `selectAll()`, scalar subqueries, and the JSON
 * built by Kysely's `jsonObjectFrom`/`jsonArrayFrom`/`jsonBuildObject` MySQL helpers. NULL stays NULL.
 *
 * @example
 * ```ts
 * import { Kysely, MysqlDialect } from 'kysely'
 * import { createPool } from 'mysql2'
 * import { createKeyring, EncryptionPlugin, readKeysFromEnv } from 'kysely-toolkit/encryption'
 *
 * const encryption = new EncryptionPlugin<DB>({
 *   keyring: createKeyring({ keys: readKeysFromEnv() }),
 *   tables: { users: { ssn: true, email: { blindIndex: { column: 'email_index', bits: 16 } } } },
 * })
 * const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: createPool(url) }), plugins: [encryption] })
 *
 * await db.insertInto('users').values({ id: 1, ssn: '123-45-6789', email: 'ada@example.com' }).execute()
 * const user = await db.selectFrom('users').selectAll().where('email', '=', 'ada@example.com').executeTakeFirst()
 * ```
 *
 * Per query, on a Kysely instance without it:
 *
 * ```ts
 * await plainDb.withPlugin(encryption).selectFrom('users').select(['id', 'ssn']).execute()
 * ```
 *
 * The SQL it produces for the lookup above (the blind index replaces the comparison; the plugin drops the
 * candidate rows whose decrypted e-mail differs, and applies LIMIT/OFFSET itself):
 *
 * ```sql
 * select *, `email` as `__kt_lookup_0` from `users` where `email_index` = ?
 * ```
 *
 * With Kysely's `CamelCasePlugin`, installed before or after this plugin: configure the database's names; queries
 * may use their camelCase forms (see `SnakeCaseDatabase`).
 *
 * Caveats: raw SQL (`sql\`...\``) is neither encrypted nor decrypted; comparisons, LIKE, ORDER BY, GROUP BY
 * and functions on an encrypted column throw `UnsupportedEncryptedOperationError` (equality through a blind
 * index only in a SELECT's top-level WHERE); writing an SQL expression into an encrypted column throws;
 * unqualified column names are matched to the configured tables of the query (qualify them in subqueries).
 */
export class EncryptionPlugin<DB = UnknownDatabase> implements KyselyPlugin {
  readonly #transformer: EncryptionTransformer
  readonly #registry: EncryptedColumnRegistry
  readonly #keyring: EncryptionKeyring
  readonly #readLegacyPlaintext: boolean
  readonly #queries = new WeakMap<QueryId, QueryState>()

  static {
    readInternals = (plugin) =>
      #registry in plugin
        ? {
            registry: plugin.#registry,
            keyring: plugin.#keyring,
            readLegacyPlaintext: plugin.#readLegacyPlaintext,
          }
        : undefined
  }

  constructor(options: EncryptionPluginOptions<DB>) {
    if (typeof options?.keyring?.load !== 'function') {
      throw new InvalidOptionsError('encryption plugin options', [
        { path: 'keyring', message: 'keyring must be a keyring made by createKeyring()' },
      ])
    }
    this.#registry = resolveEncryptedTables(options.tables)
    this.#keyring = options.keyring
    if (options.schema !== undefined) this.#checkSchema(options.schema, options.onSchemaWarning)
    this.#readLegacyPlaintext = options.readLegacyPlaintext ?? false
    this.#transformer = new EncryptionTransformer(this.#registry, this.#keyring)
  }

  #checkSchema(schema: SchemaMetadata, onWarning: ((message: string) => void) | undefined): void {
    if (typeof schema !== 'object' || schema === null || typeof schema.tables !== 'object') {
      throw new InvalidOptionsError('encryption plugin options', [
        { path: 'schema', message: "schema must be codegen's metadata (an object with tables)" },
      ])
    }
    const keyIds = this.#keyring.keyIds
    const keyIdLength = keyIds.length > 0 ? Math.max(...keyIds.map((id) => id.length)) : MAX_KEY_ID_LENGTH
    const { problems, warnings } = checkRegistryAgainstSchema(schema, this.#registry, keyIdLength)
    if (problems.length > 0) throw new EncryptionSetupError(problems)
    const warn = onWarning ?? ((message: string) => process.emitWarning(message, 'EncryptionSchemaWarning'))
    for (const warning of warnings) warn(warning)
  }

  /** The keyring this plugin encrypts with. */
  get keyring(): EncryptionKeyring {
    return this.#keyring
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const { node, plan } = this.#transformer.transformQuery(args.node, args.queryId)
    if (plan !== undefined && (plan.fields.size > 0 || plan.filters.length > 0)) {
      this.#queries.set(args.queryId, { plan, skipped: 0, emitted: 0 })
    }
    return node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const state = this.#queries.get(args.queryId)
    if (state === undefined || args.result.rows.length === 0) return args.result
    return { ...args.result, rows: this.#decryptRows(state, args.result.rows) }
  }

  /**
   * Encrypts a value for a column, as the plugin would on insert: for raw SQL, which the plugin does not
   * rewrite. `null` and `undefined` give `null`.
   *
   * @example
   * ```ts
   * await sql`update users set ssn = ${encryption.encryptValue('users', 'ssn', '123-45-6789')} where id = 1`.execute(db)
   * ```
   */
  encryptValue<T extends keyof DB & string>(
    table: T,
    column: keyof DB[T] & string,
    value: unknown,
  ): string | null {
    if (value === null || value === undefined) return null
    return sealValue(getKeyringState(this.#keyring), this.#column(table, column), value)
  }

  /**
   * Decrypts a stored value of a column, as the plugin would in results: for raw SQL results. Throws
   * `DecryptionError` like the plugin does.
   *
   * @example
   * ```ts
   * const { rows } = await sql<{ ssn: string }>`select ssn from users where id = 1`.execute(db)
   * const ssn = encryption.decryptValue('users', 'ssn', rows[0]?.ssn)
   * ```
   */
  decryptValue<T extends keyof DB & string>(
    table: T,
    column: keyof DB[T] & string,
    stored: unknown,
  ): EncryptableValue | null {
    if (stored === null || stored === undefined) return null
    return this.#decrypt(this.#column(table, column), stored)
  }

  /**
   * The blind-index value of a plaintext for a column with a blind index, for raw SQL lookups.
   *
   * @example
   * ```ts
   * const index = encryption.blindIndex('users', 'email', 'ada@example.com')
   * const candidates = await sql`select id, email from users where email_index = ${index}`.execute(db)
   * ```
   */
  blindIndex<T extends keyof DB & string>(
    table: T,
    column: keyof DB[T] & string,
    value: unknown,
  ): number | null {
    const resolved = this.#column(table, column)
    const index = resolved.blindIndex
    if (index === undefined) {
      throw new EncryptionSetupError([`${table}.${String(column)} has no blind index`])
    }
    if (value === null || value === undefined) return null
    const key = getKeyringState(this.#keyring).blindIndexKey(table, column)
    if (key === undefined) throw new EncryptionSetupError(['the keyring has no blindIndexKey'])
    const normalised = index.transform === undefined ? value : index.transform(value as EncryptableValue)
    return computeBlindIndex(key, index.bits, encodePayload(normalised, resolved))
  }

  #column(table: string, column: string): EncryptedColumn {
    const resolved = this.#registry.table(table)?.lookup.get(column)
    if (resolved === undefined)
      throw new EncryptionSetupError([`${table}.${column} is not an encrypted column`])
    return resolved
  }

  #decrypt(column: EncryptedColumn, stored: unknown): EncryptableValue {
    if (this.#readLegacyPlaintext && !isEnvelope(stored)) return stored as EncryptableValue
    return openValue(getKeyringState(this.#keyring), column, stored)
  }

  #decryptPlan(plan: ValuePlan, value: unknown): unknown {
    if (value === null || value === undefined) return value
    if (plan.kind === 'cipher') return this.#decrypt(plan.column, value)
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value
    if (plan.array) {
      return Array.isArray(parsed)
        ? parsed.map((item: unknown) => this.#decryptObject(plan.fields, item))
        : parsed
    }
    return this.#decryptObject(plan.fields, parsed)
  }

  #decryptObject(fields: ReadonlyMap<string, ValuePlan>, value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
    const copy: Record<string, unknown> = { ...value }
    for (const [key, plan] of fields) {
      const found = findResultKey(copy, key)
      if (found === undefined) throw missingResultKey(key, plan)
      copy[found] = this.#decryptPlan(plan, copy[found])
    }
    return copy
  }

  #matches(filter: LookupFilter, stored: unknown): boolean {
    if (stored === null || stored === undefined) return false
    let payload: Buffer
    if (this.#readLegacyPlaintext && !isEnvelope(stored)) {
      payload = encodePayload(stored, filter.column)
    } else {
      payload = openPayload(getKeyringState(this.#keyring), filter.column, stored)
    }
    const transform = filter.column.blindIndex?.transform
    if (transform !== undefined) {
      const value = decodePayload(payload)
      if (value === undefined) return false
      payload = encodePayload(transform(value), filter.column)
    }
    return filter.expected.some((expected) => expected.equals(payload))
  }

  #decryptRows(state: QueryState, rows: readonly UnknownRow[]): UnknownRow[] {
    const { plan } = state
    const result: UnknownRow[] = []
    const first = rows[0]
    if (first === undefined) return result
    // The rows' keys: the planned ones, or their forms after a CamelCasePlugin (every row has the same keys).
    const fields: [string, ValuePlan][] = []
    for (const [key, valuePlan] of plan.fields) {
      const found = findResultKey(first, key)
      if (found === undefined) throw missingResultKey(key, valuePlan)
      fields.push([found, valuePlan])
    }
    const filters = plan.filters.map((filter) => {
      const found = findResultKey(first, filter.key)
      if (found === undefined) throw missingResultKey(filter.key, undefined)
      return { filter, key: found }
    })
    for (const row of rows) {
      if (filters.length > 0) {
        if (!filters.every(({ filter, key }) => this.#matches(filter, row[key]))) continue
        if (state.skipped < plan.offset) {
          state.skipped++
          continue
        }
        if (plan.limit !== undefined && state.emitted >= plan.limit) break
        state.emitted++
      }
      const copy: Record<string, unknown> = { ...row }
      for (const { key } of filters) delete copy[key]
      for (const [key, valuePlan] of fields) copy[key] = this.#decryptPlan(valuePlan, copy[key])
      result.push(copy)
    }
    return result
  }
}

/**
 * A planned result column is in no form in the row: another plugin renamed it in a way the encryption plugin
 * cannot follow, or a configured column does not exist. Failing beats returning ciphertext as if it were data.
 */
function missingResultKey(key: string, plan: ValuePlan | undefined): EncryptionSetupError {
  const column = plan?.kind === 'cipher' ? ` (${plan.column.table}.${plan.column.column})` : ''
  return new EncryptionSetupError([
    `the result has no column '${key}'${column} in any form the encryption plugin knows ` +
      `(${resultKeyCandidates(key).join(', ')}): a plugin installed with it renames result columns in another ` +
      'way (CamelCasePlugin works in either order, subclasses with their own mapping do not), or the column ' +
      'does not exist',
  ])
}

/** The configuration behind a plugin, for the setup check and rotation. @internal */
export function getPluginInternals(plugin: object): PluginInternals {
  const internals = readInternals(plugin)
  if (internals === undefined) {
    throw new EncryptionSetupError(['expected an EncryptionPlugin made by this copy of kysely-toolkit'])
  }
  return internals
}
