import { type Kysely, type RawBuilder, sql } from 'kysely'
import { EncryptionSetupError } from '../../error/encryption-setup-error.js'
import { computeBlindIndex } from './blind-index.js'
import type { EncryptedColumn, SnakeCaseDatabase, UnknownDatabase } from './encrypted-columns.js'
import { type EncryptionPlugin, getPluginInternals } from './encryption-plugin.js'
import {
  ENVELOPE_PREFIX,
  type EncryptableValue,
  encodePayload,
  isEnvelope,
  openValue,
  sealValue,
} from './envelope.js'
import { getKeyringState, type KeyringState } from './keyring.js'

/** Options for {@link rotateEncryptionKeys}. */
export interface RotateEncryptionKeysOptions<DB, TB extends keyof DB & string> {
  /** The plugin whose keyring and column configuration to use (`db` itself may run it or not). */
  /**
   * The plugin of the Kysely instance: typed with `DB`, or with `SnakeCaseDatabase<DB>` when `DB` has
   * CamelCasePlugin's names.
   */
  readonly plugin: EncryptionPlugin<DB> | EncryptionPlugin<SnakeCaseDatabase<DB>>
  /** The table to re-encrypt. */
  readonly table: TB
  /** The encrypted columns to re-encrypt. Defaults to every configured encrypted column of the table. */
  readonly columns?: readonly (keyof DB[TB] & string)[] | undefined
  /** The primary key column(s). Defaults to the table's primary key, read from `information_schema`. */
  readonly primaryKey?: readonly (keyof DB[TB] & string)[] | undefined
  /** Rows per batch; each batch is one short transaction. Defaults to 500. */
  readonly batchSize?: number | undefined
  /** Called after each batch is committed. Throwing stops the rotation (it resumes where it left off). */
  readonly onProgress?: ((progress: RotationProgress) => void | Promise<void>) | undefined
  /** Stops the rotation between batches. */
  readonly signal?: AbortSignal | undefined
}

/** Counts after a batch of {@link rotateEncryptionKeys}. */
export interface RotationProgress {
  readonly table: string
  /** Batches committed so far. */
  readonly batches: number
  /** Rows read that were not (entirely) on the current key. */
  readonly scanned: number
  /** Rows re-encrypted. */
  readonly rotated: number
  /**
   * Writes that lost their compare-and-set because someone changed the row between read and write: the row is
   * left as they wrote it, and read again by a later pass if it still holds a value on an old key.
   */
  readonly skipped: number
}

/** The outcome of {@link rotateEncryptionKeys}. */
export interface RotationResult extends RotationProgress {
  /** The key every rotated value is now encrypted with. */
  readonly currentKeyId: string
}

/** Options for {@link countRowsOnOldKeys}. */
export interface CountRowsOnOldKeysOptions<DB, TB extends keyof DB & string> {
  /**
   * The plugin of the Kysely instance: typed with `DB`, or with `SnakeCaseDatabase<DB>` when `DB` has
   * CamelCasePlugin's names.
   */
  readonly plugin: EncryptionPlugin<DB> | EncryptionPlugin<SnakeCaseDatabase<DB>>
  readonly table: TB
  /** Defaults to every configured encrypted column of the table. */
  readonly columns?: readonly (keyof DB[TB] & string)[] | undefined
}

/** The outcome of {@link countRowsOnOldKeys}. */
export interface OldKeyCount {
  readonly table: string
  readonly currentKeyId: string
  /** Rows with at least one non-NULL value in the columns that is not on the current key. */
  readonly rows: number
  /** Per column, non-NULL values by key id; values that are not envelopes (plaintext) count under `''`. */
  readonly columns: Readonly<Record<string, Readonly<Record<string, number>>>>
}

/** The table's database name and the encrypted columns named (either naming), or all of them. */
function columnsOf(
  plugin: object,
  table: string,
  names: readonly string[] | undefined,
): { table: string; columns: EncryptedColumn[] } {
  const configured = getPluginInternals(plugin).registry.table(table)
  if (configured === undefined) throw new EncryptionSetupError([`${table} has no encrypted columns`])
  if (names === undefined) return { table: configured.name, columns: [...configured.columns.values()] }
  const columns = names.map((name) => {
    const column = configured.lookup.get(name)
    if (column === undefined) throw new EncryptionSetupError([`${table}.${name} is not an encrypted column`])
    return column
  })
  return { table: configured.name, columns }
}

/** How many times rotation restarts from the first row to retry rows changed concurrently. */
const MAX_PASSES = 5

/** `LIKE` pattern matching envelopes on `keyId`, with `!` as the escape character. */
function keyPattern(keyId: string): string {
  return `${ENVELOPE_PREFIX}${keyId}:%`.replace(/[!%_]/g, (character) => `!${character}`).replace(/!%$/, '%')
}

function notOnKey(column: string, keyId: string): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(column)} is not null and ${sql.ref(column)} not like ${keyPattern(keyId)} escape '!')`
}

async function readPrimaryKey(db: Kysely<UnknownDatabase>, table: string): Promise<string[]> {
  const { rows } = await sql<{ column_name: string }>`
    select column_name as column_name from information_schema.key_column_usage
    where table_schema = database() and table_name = ${table} and constraint_name = 'PRIMARY'
    order by ordinal_position
  `.execute(db)
  return rows.map((row) => row.column_name)
}

function blindIndexOf(keys: KeyringState, column: EncryptedColumn, value: EncryptableValue): number | null {
  const index = column.blindIndex
  if (index === undefined) return null
  const key = keys.blindIndexKey(column.table, column.column)
  if (key === undefined)
    throw new EncryptionSetupError([
      `${column.table}.${column.column} has a blind index but the keyring has no blindIndexKey`,
    ])
  const normalised = index.transform === undefined ? value : index.transform(value)
  return computeBlindIndex(key, index.bits, encodePayload(normalised, column))
}

/**
 * Re-encrypts a table's encrypted columns to the keyring's current key, online and resumably:
 * - rows are found by `NOT LIKE 'kt1:<current key>:%'`, so only rows not yet on the current key are read
 *   (a re-run after a crash continues where it stopped; a finished table costs one indexed-by-primary-key scan);
 * - batches of `batchSize` rows in primary-key order, each re-encrypted in JavaScript and written in one short
 *   transaction;
 * - each row is written with compare-and-set (`where <pk> and <column> = <the ciphertext read>`): a value
 *   changed concurrently is not overwritten (counted as `skipped`) and is retried by another pass over the
 *   table (up to 5 passes, while rows are skipped);
 * - with the plugin's `readLegacyPlaintext`, plaintext values are encrypted (a migration to encryption), and
 *   blind-index columns are (re)computed for every rotated value.
 *
 * A value that fails to decrypt stops the rotation with `DecryptionError`; nothing after it is written.
 *
 * @example
 * ```ts
 * import { countRowsOnOldKeys, rotateEncryptionKeys } from 'kysely-toolkit/encryption'
 *
 * const result = await rotateEncryptionKeys(db, {
 *   plugin: encryption,
 *   table: 'users',
 *   batchSize: 1000,
 *   onProgress: (progress) => console.log(`${progress.rotated} rows re-encrypted`),
 * })
 * console.log(result.rotated, (await countRowsOnOldKeys(db, { plugin: encryption, table: 'users' })).rows) // n, 0
 * ```
 */
export async function rotateEncryptionKeys<DB, TB extends keyof DB & string>(
  db: Kysely<DB>,
  options: RotateEncryptionKeysOptions<DB, TB>,
): Promise<RotationResult> {
  const { plugin, onProgress, signal } = options
  const { keyring, readLegacyPlaintext } = getPluginInternals(plugin)
  const { table, columns } = columnsOf(plugin, options.table, options.columns)
  const batchSize = options.batchSize ?? 500
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`)
  }
  const plain = db.withoutPlugins() as unknown as Kysely<UnknownDatabase>
  const primaryKey = options.primaryKey ? [...options.primaryKey] : await readPrimaryKey(plain, table)
  if (primaryKey.length === 0) {
    throw new EncryptionSetupError([`${table} has no primary key; pass primaryKey to rotateEncryptionKeys`])
  }
  const keys = getKeyringState(keyring)
  const currentKeyId = keys.currentKeyId
  const progress = { table, batches: 0, scanned: 0, rotated: 0, skipped: 0 }
  let after: readonly unknown[] | undefined
  // A row skipped by compare-and-set may keep other columns on an old key: passes repeat while rows are skipped.
  let pass = 1
  let skippedInPass = 0

  for (;;) {
    signal?.throwIfAborted()
    const stale = sql.join(
      columns.map((column) => notOnKey(column.column, currentKeyId)),
      sql` or `,
    )
    let query = plain
      .selectFrom(table)
      .select([...primaryKey, ...columns.map((column) => column.column)])
      .where(sql<boolean>`(${stale})`)
    if (after !== undefined) {
      query = query.where(
        sql<boolean>`(${sql.join(primaryKey.map((name) => sql.ref(name)))}) > (${sql.join([...after])})`,
      )
    }
    for (const name of primaryKey) query = query.orderBy(name)
    const rows = await query.limit(batchSize).execute()
    const last = rows.at(-1)
    if (last === undefined) {
      if (skippedInPass === 0 || pass >= MAX_PASSES) break
      pass++
      skippedInPass = 0
      after = undefined
      continue
    }

    // Decrypt and re-encrypt before the transaction: it then holds its row locks only for the writes.
    const writes = rows.map((row) => {
      const set: Record<string, unknown> = {}
      const expected: [string, unknown][] = []
      for (const column of columns) {
        const stored = row[column.column]
        if (stored === null || stored === undefined) continue
        const onCurrent =
          isEnvelope(stored) && String(stored).startsWith(`${ENVELOPE_PREFIX}${currentKeyId}:`)
        if (onCurrent) continue
        const value =
          readLegacyPlaintext && !isEnvelope(stored)
            ? (stored as EncryptableValue)
            : openValue(keys, column, stored)
        set[column.column] = sealValue(keys, column, value)
        if (column.blindIndex !== undefined) set[column.blindIndex.column] = blindIndexOf(keys, column, value)
        expected.push([column.column, stored])
      }
      return { key: primaryKey.map((name) => row[name]), set, expected }
    })

    const counts = await withTransaction(plain, async (trx) => {
      let rotated = 0
      let skipped = 0
      for (const write of writes) {
        if (write.expected.length === 0) continue
        let update = trx.updateTable(table).set(write.set)
        primaryKey.forEach((name, index) => {
          update = update.where(name, '=', write.key[index])
        })
        for (const [name, stored] of write.expected) {
          update = update.where(sql<boolean>`cast(${sql.ref(name)} as binary) = cast(${stored} as binary)`)
        }
        const result = await update.executeTakeFirst()
        if (Number(result.numUpdatedRows) === 1) rotated++
        else skipped++
      }
      return { rotated, skipped }
    })
    progress.batches++
    progress.scanned += rows.length
    progress.rotated += counts.rotated
    progress.skipped += counts.skipped
    skippedInPass += counts.skipped
    after = primaryKey.map((name) => last[name])
    await onProgress?.({ ...progress })
  }
  return { ...progress, currentKeyId }
}

async function withTransaction<T>(
  db: Kysely<UnknownDatabase>,
  run: (trx: Kysely<UnknownDatabase>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute(run)
}

/**
 * Counts the values of a table's encrypted columns by key id, and the rows still holding a value not on the
 * current key (what {@link rotateEncryptionKeys} would touch). Plaintext (non-envelope) values count under
 * key id `''`. One `GROUP BY` scan per column.
 *
 * @example
 * ```ts
 * import { countRowsOnOldKeys } from 'kysely-toolkit/encryption'
 *
 * const count = await countRowsOnOldKeys(db, { plugin: encryption, table: 'users' })
 * console.log(count.rows, count.columns.ssn) // 120, { '2025-06': 9880, '2024-11': 120 }
 * ```
 */
export async function countRowsOnOldKeys<DB, TB extends keyof DB & string>(
  db: Kysely<DB>,
  options: CountRowsOnOldKeysOptions<DB, TB>,
): Promise<OldKeyCount> {
  const { plugin } = options
  const { table, columns } = columnsOf(plugin, options.table, options.columns)
  const keys = getKeyringState(getPluginInternals(plugin).keyring)
  const plain = db.withoutPlugins() as unknown as Kysely<UnknownDatabase>
  const stale = sql.join(
    columns.map((column) => notOnKey(column.column, keys.currentKeyId)),
    sql` or `,
  )
  const total = await plain
    .selectFrom(table)
    .select(sql<number | string>`count(*)`.as('n'))
    .where(sql<boolean>`(${stale})`)
    .executeTakeFirstOrThrow()
  const byColumn: Record<string, Record<string, number>> = {}
  for (const column of columns) {
    const ref = sql.ref(column.column)
    const { rows } = await sql<{ key_id: string | null; n: number | string }>`
      select case when ${ref} like ${`${ENVELOPE_PREFIX}%`}
          then substring_index(substring(${ref}, ${ENVELOPE_PREFIX.length + 1}), ':', 1) else '' end as key_id,
        count(*) as n
      from ${sql.table(table)} where ${ref} is not null group by key_id
    `.execute(plain)
    byColumn[column.column] = Object.fromEntries(rows.map((row) => [String(row.key_id ?? ''), Number(row.n)]))
  }
  return { table, currentKeyId: keys.currentKeyId, rows: Number(total.n), columns: byColumn }
}
