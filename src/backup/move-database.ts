import type { ResolvedDatabaseOptions } from '../database/database-options.js'
import { reasonOf } from '../error/backup-failed-error.js'
import { type CreationContext, executeInContext } from './creation-context.js'
import { binaryLogAdvice } from './object-privileges.js'
import { type ObjectInfo, readSchema, type SchemaInfo } from './schema-reader.js'
import { requalifyReferences } from './schema-references.js'
import {
  ServerConnection as Connection,
  quoteIdentifier,
  type ServerConnection,
} from './server-connection.js'

/**
 * Moves every table of the complete `source` database into `target`, with one atomic `RENAME TABLE`, then
 * recreates its routines, views, triggers and events there. When `target` exists (a replace), its tables are moved
 * aside into `trash` by the same `RENAME TABLE`, its other objects dropped; if anything fails, everything is put
 * back. Tables cannot change database with their triggers and views cannot change database at all, so those are
 * read from `source` (where they were created, and so checked, by the restore), dropped there and created again.
 *
 * @internal
 */
export async function moveDatabase(
  options: ResolvedDatabaseOptions,
  admin: ServerConnection,
  names: { readonly source: string; readonly target: string; readonly trash: string },
  targetExists: boolean,
): Promise<void> {
  const { source, target, trash } = names
  const open = (database: string) =>
    Connection.open(options, database, ['SET SESSION foreign_key_checks = 0'])
  const sourceConnection = await open(source)
  let incoming: SchemaInfo
  try {
    incoming = await readSchema(sourceConnection, source, { events: true, stripDefiners: false })
    for (const trigger of incoming.triggers)
      await sourceConnection.query(`DROP TRIGGER ${quoteIdentifier(trigger.name)}`)
  } finally {
    await sourceConnection.close()
  }
  const [schemaRow] = await admin.query<{ charset: string; collation: string }>(
    'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [source],
  )
  const charsetClause = schemaRow ? ` CHARACTER SET ${schemaRow.charset} COLLATE ${schemaRow.collation}` : ''
  let outgoing: SchemaInfo | undefined
  let targetConnection: ServerConnection | undefined
  if (targetExists) {
    targetConnection = await open(target)
    outgoing = await readSchema(targetConnection, target, { events: true, stripDefiners: false })
    await admin.query(`CREATE DATABASE ${quoteIdentifier(trash)}${charsetClause}`)
  } else {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(target)}${charsetClause}`)
    targetConnection = await open(target)
  }
  // Objects are created in their creation context: their statements go out as bytes of its character set.
  const creator = await Connection.open(options, target, ['SET SESSION foreign_key_checks = 0'], 'binary')
  const renames = [
    ...(outgoing?.tables ?? []).map(
      (table) => `${qualified(target, table.name)} TO ${qualified(trash, table.name)}`,
    ),
    ...incoming.tables.map((table) => `${qualified(source, table.name)} TO ${qualified(target, table.name)}`),
  ]
  const created: ObjectInfo[] = []
  let swapped = false
  try {
    if (outgoing) {
      for (const trigger of outgoing.triggers)
        await targetConnection.query(`DROP TRIGGER ${quoteIdentifier(trigger.name)}`)
    }
    if (renames.length > 0) await admin.query(`RENAME TABLE ${renames.join(', ')}`)
    swapped = true
    if (outgoing) {
      for (const object of [...outgoing.events, ...outgoing.views, ...outgoing.routines]) {
        await targetConnection.query(dropStatement(object))
      }
    }
    for (const object of [
      ...incoming.routines,
      ...incoming.views,
      ...incoming.triggers,
      ...incoming.events,
    ]) {
      // Statements the server keeps as written name the temporary database where the restore qualified them.
      const createStatement = requalifyReferences(object.createStatement, source, target, object.sqlMode)
      await createObject(creator, { ...object, createStatement })
      created.push(object)
    }
  } catch (error) {
    // Put everything back as it was, as far as the server lets us.
    for (const object of created.reverse())
      await targetConnection.query(dropStatement(object)).catch(() => {})
    if (swapped) {
      const back = [
        ...incoming.tables.map(
          (table) => `${qualified(target, table.name)} TO ${qualified(source, table.name)}`,
        ),
        ...(outgoing?.tables ?? []).map(
          (table) => `${qualified(trash, table.name)} TO ${qualified(target, table.name)}`,
        ),
      ]
      if (back.length > 0) await admin.query(`RENAME TABLE ${back.join(', ')}`).catch(() => {})
    }
    if (outgoing) {
      for (const object of [
        ...outgoing.routines,
        ...outgoing.views,
        ...outgoing.triggers,
        ...outgoing.events,
      ]) {
        await createObject(creator, object).catch(() => {})
      }
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(trash)}`).catch(() => {})
    } else {
      await creator.close()
      await targetConnection.close()
      targetConnection = undefined
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(target)}`).catch(() => {})
    }
    throw error
  } finally {
    await creator.close()
    await targetConnection?.close()
  }
  if (outgoing) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(trash)}`)
}

/**
 * Creates a view, trigger, routine or event with the sql_mode it was created with (and an event in its time zone,
 * which it keeps and reads its schedule in; the session's is UTC) and in its creation context (character set of
 * the client, collation of the connection and of the database), through a connection opened with the `'binary'`
 * encoding whose default database is the object's. An object of an archive that kept no context is created with
 * utf8mb4, as before. @internal
 */
export async function createObject(connection: ServerConnection, object: ObjectInfo): Promise<void> {
  if (object.sqlMode !== null) await connection.query('SET SESSION sql_mode = ?', [object.sqlMode])
  if (object.timeZone !== undefined) await connection.query('SET SESSION time_zone = ?', [object.timeZone])
  try {
    await executeInContext(connection, object.context ?? LEGACY_CONTEXT, object.createStatement)
  } catch (error) {
    const advice = binaryLogAdvice(error)
    if (advice === undefined) throw error
    throw new Error(`creating ${object.kind} ${object.name}: ${reasonOf(error)}; ${advice}`, { cause: error })
  } finally {
    if (object.sqlMode !== null) await connection.query("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'")
    if (object.timeZone !== undefined) await connection.query("SET SESSION time_zone = '+00:00'")
  }
}

/** What archives without a creation context were restored with: the restore session's utf8mb4. */
const LEGACY_CONTEXT: CreationContext = {
  characterSetClient: 'utf8mb4',
  collationConnection: 'utf8mb4_general_ci',
  databaseCollation: null,
}

function dropStatement(object: ObjectInfo): string {
  return `DROP ${object.kind.toUpperCase()} IF EXISTS ${quoteIdentifier(object.name)}`
}

function qualified(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`
}
