// #region usage
import { CamelCasePlugin, type Kysely } from 'kysely'
import { createDatabase } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
import { type ColumnName, metadata, TYPES } from '../../example/generated/metadata.js' // generated too
import { users } from '../../example/generated/zod.js' // generated too

/** Columns a client may sort users by: checked against the schema at compile time and at run time. */
const USER_SORT_COLUMNS = ['email', 'created_at', 'status'] as const satisfies readonly ColumnName<'users'>[]

/** Validates untrusted input with the generated insert schema, then inserts it. */
export async function registerUser(db: Kysely<DB>, input: unknown): Promise<number> {
  const values = users.insert.parse(input) // throws a ZodError naming the field when input is wrong
  const result = await db.insertInto('users').values(values).executeTakeFirstOrThrow()
  return Number(result.insertId)
}

/** Lists users sorted by a whitelisted column. */
export function listUsers(db: Kysely<DB>, sort: string) {
  const column = USER_SORT_COLUMNS.find((candidate) => candidate === sort)
  if (column === undefined)
    throw new Error(`cannot sort by ${sort}; allowed: ${USER_SORT_COLUMNS.join(', ')}`)
  return db.selectFrom('users').select(['id', 'email', 'created_at']).orderBy(column).limit(5).execute()
}

/** The database, read with the same `types` the code was generated for. */
export function openShop(url: string) {
  return createDatabase<DB>({ url, types: TYPES })
}

/** The primary key and unique keys of a table, from the generated metadata. */
export const userKeys = {
  primaryKey: metadata.tables.users.primaryKey, // readonly ['id']
  unique: metadata.tables.users.uniqueKeys.map((key) => key.columns), // [['email']]
}
// #endregion usage

/** Camel-case mode: generate with `codegen --camel-case` and install the plugin. */
export const camelCasePlugins = [new CamelCasePlugin()]
