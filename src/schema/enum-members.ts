/** The statements that run one step of {@link readTrueMembers}, returning the rows of a SELECT (`[]` otherwise). */
export type MemberStatementRunner = (statement: string) => Promise<readonly { readonly m: unknown }[]>

const quote = (name: string): string => `\`${name.replaceAll('`', '``')}\``

/**
 * The members of an ENUM or SET column as stored, in order. SHOW CREATE TABLE and information_schema report them
 * in utf8mb3 on MySQL and MariaDB alike, so a member outside the Basic Multilingual Plane (an emoji) reads as `?`
 * there; this reads them through values instead: a temporary one-column copy of the column (`CREATE TEMPORARY
 * TABLE ... AS SELECT col AS m FROM t LIMIT 0`) is filled with each member by its number (ENUM 1..n, SET bits 1,
 * 2, 4...) and read back in the connection's character set (utf8mb4). `run` must run every statement on one
 * connection (temporary tables are per session), outside a read-only transaction; the copy is dropped afterwards.
 * Used by codegen and by the backup's schema reader.
 *
 * @example
 * ```ts
 * const members = await readTrueMembers((statement) => connection.query(statement), 'pets', 'kind', 'enum', 3)
 * // ['cat', '🐬', 'dog']
 * ```
 *
 * @internal
 */
export async function readTrueMembers(
  run: MemberStatementRunner,
  table: string,
  column: string,
  kind: 'enum' | 'set',
  count: number,
): Promise<string[]> {
  const copy = quote(`kt_members_${process.pid}_${Date.now().toString(36)}`)
  const numbers = Array.from({ length: count }, (_, index) => (kind === 'enum' ? index + 1 : 2 ** index))
  await run(`CREATE TEMPORARY TABLE ${copy} AS SELECT ${quote(column)} AS m FROM ${quote(table)} LIMIT 0`)
  try {
    await run(`INSERT INTO ${copy} (m) VALUES ${numbers.map((number) => `(${number})`).join(', ')}`)
    const rows = await run(`SELECT m FROM ${copy} ORDER BY m + 0`)
    if (rows.length !== count)
      throw new Error(`reading the members of ${table}.${column} gave ${rows.length} of ${count}`)
    return rows.map((row) => String(row.m))
  } finally {
    await run(`DROP TEMPORARY TABLE IF EXISTS ${copy}`)
  }
}
