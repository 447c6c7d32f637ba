import { type Kysely, sql } from 'kysely'
import type { Migration, MigrationProvider } from 'kysely/migration'

/** The tables, columns and indexes of the current database, as `table`, `table.column` and `table index name`. */
type SchemaObjects = ReadonlySet<string>

async function readSchemaObjects(db: Kysely<unknown>): Promise<SchemaObjects> {
  const { rows: columns } = await sql<{ t: string; c: string }>`
    select TABLE_NAME as t, COLUMN_NAME as c from information_schema.COLUMNS
    where TABLE_SCHEMA = database()`.execute(db)
  const { rows: indexes } = await sql<{ t: string; i: string }>`
    select distinct TABLE_NAME as t, INDEX_NAME as i from information_schema.STATISTICS
    where TABLE_SCHEMA = database()`.execute(db)
  const objects = new Set<string>()
  for (const { t, c } of columns) objects.add(`table ${t}`).add(`column ${t}.${c}`)
  for (const { t, i } of indexes) objects.add(`index ${i} on ${t}`)
  return objects
}

/** What a failed migration changed before it failed: `created table notes`, `dropped column users.age`, ... */
function describeChanges(before: SchemaObjects, after: SchemaObjects): string[] {
  const changes: string[] = []
  const tableGone = (object: string, tables: SchemaObjects) => {
    const table = /^(?:column ([^.]+)\.|index \S+ on (.+)$)/.exec(object)
    const name = table?.[1] ?? table?.[2]
    return name !== undefined && !tables.has(`table ${name}`)
  }
  // A created or dropped table speaks for its columns and indexes.
  for (const object of after) {
    if (!before.has(object) && !tableGone(object, before)) changes.push(`created ${object}`)
  }
  for (const object of before) {
    if (!after.has(object) && !tableGone(object, after)) changes.push(`dropped ${object}`)
  }
  return changes
}

/**
 * The error of a migration that failed part-way, with the schema changes it left behind. MySQL and MariaDB commit
 * each DDL statement at once, so the statements before the failing one stay applied although the migration is not
 * recorded as applied.
 *
 * @internal
 */
export class PartialMigrationError extends Error {
  readonly leftBehind: readonly string[]

  constructor(cause: unknown, leftBehind: readonly string[]) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.leftBehind = Object.freeze([...leftBehind])
  }
}

/**
 * Wraps a provider so that each migration that fails reports what it changed before failing (tables, columns and
 * indexes created or dropped), read from `information_schema` before and after it: one query pair per migration.
 *
 * @internal
 */
export function recordSchemaChanges(provider: MigrationProvider): MigrationProvider {
  return {
    async getMigrations() {
      const migrations = await provider.getMigrations()
      const wrapped: Record<string, Migration> = {}
      for (const [name, migration] of Object.entries(migrations)) {
        wrapped[name] = {
          up: (db) => runRecorded(db, migration.up.bind(migration)),
          ...(migration.down === undefined
            ? {}
            : { down: (db: Kysely<unknown>) => runRecorded(db, migration.down!.bind(migration)) }),
        }
      }
      return wrapped
    },
  }
}

async function runRecorded(db: Kysely<unknown>, step: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  const before = await readSchemaObjects(db)
  try {
    await step(db)
  } catch (error) {
    const after = await readSchemaObjects(db).catch(() => before)
    throw new PartialMigrationError(error, describeChanges(before, after))
  }
}
