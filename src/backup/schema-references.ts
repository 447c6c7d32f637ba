import type { ObjectKind } from './archive-format.js'
import { quoteIdentifier } from './server-connection.js'
import { isName, quotingOf, type SqlToken, tokenizeSql } from './sql-tokens.js'

/** A name as written: `schema` is set when it was qualified (`schema.name`). @internal */
export interface WrittenName {
  readonly schema: string | undefined
  readonly name: string
}

/** Where a CREATE statement of a view, trigger, routine or event puts its object. @internal */
export interface ObjectHead {
  readonly name: WrittenName
  /** The table a trigger is created on. */
  readonly table?: WrittenName
}

const significant = (tokens: readonly SqlToken[]): SqlToken[] =>
  tokens.filter((token) => token.kind !== 'space')
const isDot = (token: SqlToken | undefined): boolean => token?.kind === 'punctuation' && token.value === '.'

/**
 * Rewrites every reference qualified by the database `from` (outside strings and comments) to the database `to`:
 * the object's own name, a trigger's table, and the tables, views and routines its body names. Backticked,
 * ANSI-quoted (under `ANSI_QUOTES`) and bare spellings are all recognised, and `from . t` with spaces or comments
 * around the dot. The qualifier is replaced, not removed, so a call of a stored function named like a native one
 * (`shop.row_count()`) still calls the stored function.
 *
 * @example
 * ```ts
 * requalifyReferences('CREATE TRIGGER shop.t BEFORE INSERT ON `shop`.`orders` FOR EACH ROW ...', 'shop', 'copy', null)
 * // 'CREATE TRIGGER `copy`.t BEFORE INSERT ON `copy`.`orders` FOR EACH ROW ...'
 * ```
 *
 * @internal
 */
export function requalifyReferences(
  statement: string,
  from: string,
  to: string,
  sqlMode: string | null,
): string {
  if (from === to) return statement
  const tokens = significant(tokenizeSql(statement, quotingOf(sqlMode)))
  const cuts: [number, number][] = []
  for (let index = 0; index < tokens.length - 2; index++) {
    const token = tokens[index]!
    if (!isName(token) || token.value !== from) continue
    if (isDot(tokens[index - 1]) || !isDot(tokens[index + 1]) || !isName(tokens[index + 2])) continue
    cuts.push([token.start, token.end])
    index += 1
  }
  if (cuts.length === 0) return statement
  const replacement = quoteIdentifier(to)
  let result = ''
  let at = 0
  for (const [start, end] of cuts) {
    result += statement.slice(at, start) + replacement
    at = end
  }
  return result + statement.slice(at)
}

const KEYWORDS: Readonly<Record<ObjectKind, string>> = {
  view: 'VIEW',
  trigger: 'TRIGGER',
  procedure: 'PROCEDURE',
  function: 'FUNCTION',
  event: 'EVENT',
}

/**
 * Reads where a CREATE statement of `kind` puts its object (and, for a trigger, which table it is on), or
 * `undefined` when the statement is not such a CREATE statement.
 *
 * @example
 * ```ts
 * readObjectHead('CREATE DEFINER=`a`@`%` TRIGGER x.t BEFORE INSERT ON y.orders FOR EACH ROW SET @a = 1', 'trigger', null)
 * // { name: { schema: 'x', name: 't' }, table: { schema: 'y', name: 'orders' } }
 * ```
 *
 * @internal
 */
export function readObjectHead(
  statement: string,
  kind: ObjectKind,
  sqlMode: string | null,
): ObjectHead | undefined {
  const tokens = significant(tokenizeSql(statement, quotingOf(sqlMode)))
  const isWord = (token: SqlToken | undefined, word: string): boolean =>
    token?.kind === 'word' && token.value.toUpperCase() === word
  if (!isWord(tokens[0], 'CREATE')) return undefined
  let index = tokens.findIndex((token) => isWord(token, KEYWORDS[kind]))
  if (index < 0) return undefined
  index++
  if (isWord(tokens[index], 'IF') && isWord(tokens[index + 1], 'NOT') && isWord(tokens[index + 2], 'EXISTS'))
    index += 3
  const readName = (): WrittenName | undefined => {
    const first = tokens[index]
    if (!isName(first)) return undefined
    if (isDot(tokens[index + 1]) && isName(tokens[index + 2])) {
      index += 3
      return { schema: first.value, name: tokens[index - 1]!.value }
    }
    index += 1
    return { schema: undefined, name: first.value }
  }
  const name = readName()
  if (name === undefined) return undefined
  if (kind !== 'trigger') return { name }
  while (index < tokens.length && !isWord(tokens[index], 'ON')) index++
  index++
  const table = readName()
  return table === undefined ? undefined : { name, table }
}
