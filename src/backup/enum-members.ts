import { readTrueMembers } from '../schema/enum-members.js'
import { quoteIdentifier, type ServerConnection } from './server-connection.js'

const MEMBER_LIST = /^( {2}((?:`(?:[^`]|``)+`)) (enum|set)\()((?:'(?:[^'\\]|''|\\.)*'(?:,|(?=\))))*)\)/gim
const MEMBER = /'((?:[^'\\]|''|\\.)*)'/g

/**
 * SHOW CREATE TABLE (and information_schema) write ENUM and SET members in utf8mb3, so a member outside the Basic
 * Multilingual Plane (an emoji) reads as `?`, on MySQL and MariaDB alike: a table recreated from that text would
 * have a `?` member, and its rows would not restore. Every ENUM or SET column whose member list shows a `?` gets
 * its true members instead, read from values: a temporary one-column copy of the column (`CREATE TEMPORARY TABLE
 * ... AS SELECT col ... LIMIT 0`, allowed in the backup's read-only transaction) is filled with each member by its
 * number (ENUM 1..n, SET bits 1, 2, 4...) and read back in utf8mb4 ({@link readTrueMembers}, shared with codegen).
 *
 * @internal
 */
export async function withTrueMembers(
  connection: ServerConnection,
  table: string,
  createStatement: string,
): Promise<string> {
  const suspects = [...createStatement.matchAll(MEMBER_LIST)].filter((match) => match[4]!.includes('?'))
  if (suspects.length === 0) return createStatement
  let result = createStatement
  for (const match of suspects) {
    const [whole, head, quotedColumn, kind, list] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ]
    const column = quotedColumn.slice(1, -1).replaceAll('``', '`')
    const count = [...list.matchAll(MEMBER)].length
    const members = await readTrueMembers(
      (statement) => connection.query<{ m: unknown }>(statement),
      table,
      column,
      kind.toLowerCase() as 'enum' | 'set',
      count,
    )
    const written = members.map(quoteMember)
    result = result.replace(whole, () => `${head}${written.join(',')})`)
  }
  return result
}

const QUOTED_DEFAULT =
  /^( {2}(`(?:[^`]|``)+`) [a-z]+(?:\((?:'(?:[^'\\]|''|\\.)*'|[^')])*\))?[^'\n]*? DEFAULT )'((?:[^'\\]|''|\\.)*)'/gm

/**
 * MariaDB writes a column's string DEFAULT in SHOW CREATE TABLE from utf8mb3 metadata too, so `DEFAULT '🐬'` reads
 * `DEFAULT '?'` (MySQL writes such a default in hex and keeps it): a table recreated from that text would give new
 * rows `?`, and an ENUM whose default is such a member would not be created at all. Every quoted DEFAULT that
 * shows a `?` is replaced by the true one, read from a temporary copy of the table (`CREATE TEMPORARY TABLE ...
 * LIKE`, which copies the definition itself, not its text) given one row of defaults.
 *
 * @internal
 */
export async function withTrueDefaults(
  connection: ServerConnection,
  table: string,
  createStatement: string,
): Promise<string> {
  const suspects = [...createStatement.matchAll(QUOTED_DEFAULT)].filter((match) => match[3]!.includes('?'))
  if (suspects.length === 0) return createStatement
  const copy = quoteIdentifier(`kt_defaults_${process.pid}_${Date.now().toString(36)}`)
  await connection.query(`CREATE TEMPORARY TABLE ${copy} LIKE ${quoteIdentifier(table)}`)
  let defaults: Record<string, unknown>
  try {
    // Not strict: a NOT NULL column without a default takes its implicit one instead of refusing the row.
    await connection.query(`INSERT IGNORE INTO ${copy} () VALUES ()`)
    const columns = suspects.map((match) => match[2]!)
    const [row] = await connection.query<Record<string, unknown>>(
      `SELECT ${columns.map((column, index) => `${column} AS d${index}`).join(', ')} FROM ${copy}`,
    )
    defaults = row ?? {}
  } finally {
    await connection.query(`DROP TEMPORARY TABLE IF EXISTS ${copy}`)
  }
  let result = createStatement
  for (const [index, match] of suspects.entries()) {
    const value = defaults[`d${index}`]
    if (typeof value !== 'string') continue
    result = result.replace(match[0], () => `${match[1]}${quoteMember(value)}`)
  }
  return result
}

function quoteMember(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}
