import type { ServerConnection } from './server-connection.js'

/**
 * The character set context a view, trigger, routine or event was created in, as the server records it (SHOW CREATE
 * and information_schema: CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION). It is part of the
 * object: a string literal in its body has `characterSetClient` and `collationConnection`, so comparisons inside a
 * routine created under `latin1_bin` are case-sensitive; routine parameters and variables without a character set
 * take the database's.
 *
 * @internal
 */
export interface CreationContext {
  readonly characterSetClient: string
  readonly collationConnection: string
  /** The database's collation when it was created (`null` for views, which record none). */
  readonly databaseCollation: string | null
}

/** The creation context of a SHOW CREATE row, or `undefined` when it reports none. @internal */
export function readCreationContext(row: Readonly<Record<string, unknown>>): CreationContext | undefined {
  const client = row.character_set_client
  const connection = row.collation_connection
  if (typeof client !== 'string' || typeof connection !== 'string') return undefined
  const database = row['Database Collation']
  return {
    characterSetClient: client,
    collationConnection: connection,
    databaseCollation: typeof database === 'string' ? database : null,
  }
}

const UTF8 = new Set(['utf8mb4', 'utf8mb3', 'utf8'])
const NAME = /^[A-Za-z0-9_]+$/

function safeName(name: string): string {
  if (!NAME.test(name)) throw new Error(`unexpected character set or collation ${JSON.stringify(name)}`)
  return name
}

/**
 * Runs a CREATE statement in its creation context, on a connection opened with the `'binary'` encoding whose
 * default database is the object's: the
 * statement is sent as bytes of the context's character set (converted by the server itself, so its mapping is
 * the server's), with `character_set_client` and `collation_connection` set to the context's, and with the
 * database's default collation set to the context's for the moment of the statement when it differs (as
 * mysqldump does). Everything is set back afterwards, also when the statement fails.
 *
 * @internal
 */
export async function executeInContext(
  connection: ServerConnection,
  context: CreationContext,
  statement: string,
): Promise<void> {
  const client = safeName(context.characterSetClient)
  const collation = safeName(context.collationConnection)
  const utf8 = Buffer.from(statement, 'utf8')
  let bytes = utf8
  if (!UTF8.has(client.toLowerCase())) {
    const [row] = await connection.query<{ hex: Buffer | string }>(
      `SELECT HEX(CONVERT(_utf8mb4 X'${utf8.toString('hex')}' USING ${client})) AS hex`,
    )
    bytes = Buffer.from(String(row?.hex ?? ''), 'hex')
  }
  // The connection's default database is the one the object is created in (ALTER DATABASE without a name is it).
  let restoreDatabase: string | undefined
  if (context.databaseCollation !== null) {
    const [current] = await connection.query<{ collation: string | Buffer }>(
      'SELECT @@collation_database AS collation',
    )
    const now = current === undefined ? undefined : String(current.collation)
    if (now !== undefined && now !== context.databaseCollation) {
      await connection.query(`ALTER DATABASE COLLATE ${safeName(context.databaseCollation)}`)
      restoreDatabase = now
    }
  }
  await connection.query(`SET SESSION character_set_client = ${client}, collation_connection = ${collation}`)
  try {
    await connection.executeBytes(bytes)
  } finally {
    await connection.query('SET SESSION character_set_client = binary, collation_connection = binary')
    if (restoreDatabase !== undefined)
      await connection.query(`ALTER DATABASE COLLATE ${safeName(restoreDatabase)}`)
  }
}
