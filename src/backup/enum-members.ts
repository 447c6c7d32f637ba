import { readTrueMembers } from '../schema/enum-members.js'
import type { ServerConnection } from './server-connection.js'

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
    const written = members.map((member) => `'${member.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`)
    result = result.replace(whole, `${head}${written.join(',')})`)
  }
  return result
}
