/**
 * A small MySQL tokenizer that finds which values in a SQL text are bound to which columns, by context:
 * `col = value` (and `<>`, `!=`, `<=>`, `<`, `>`, `<=`, `>=`, `like`, `not like`, `regexp`), `value = col`,
 * `col [not] in (v, ...)`, `col between v and v`, `col = f(v, ...)` and `col = (...)`, and
 * `insert into t (a, b) values (v, v), (v, v)`. Values are string literals (`'...'`, `"..."`, `_utf8mb4'...'`,
 * `x'...'`), numbers and `?` placeholders. Comments, backtick identifiers and literals are skipped correctly,
 * so a `?` inside them is not a placeholder.
 *
 * It is a heuristic for text (raw SQL, `sql.lit`): values built into strings with `concat()`, values compared
 * through expressions the patterns above do not cover, and `ANSI_QUOTES` identifiers in `"..."` used as values
 * are not recognised. Kysely-built queries are also covered structurally (see `findSensitiveValues`).
 *
 * @internal
 */
export interface SqlScan {
  /** For each `?` placeholder, in order: whether it is bound to a sensitive column. */
  readonly placeholders: readonly boolean[]
  /** Inline literals bound to sensitive columns, as `[start, end)` offsets into the SQL, in order. */
  readonly literals: ReadonlyArray<readonly [number, number]>
}

type TokenType = 'word' | 'ident' | 'string' | 'dstring' | 'number' | 'placeholder' | 'op' | 'punct'

interface Token {
  readonly type: TokenType
  readonly start: number
  readonly end: number
  /** Lower-case word, unquoted identifier or string content, operator or punctuation text. */
  readonly text: string
}

const COMPARISON = new Set(['=', '<>', '!=', '<=>', '<', '>', '<=', '>=', ':='])
const WORD_OPERATORS = new Set(['like', 'regexp', 'rlike'])

/** Finds the values bound to columns for which `isSensitive` answers true. @internal */
export function scanSql(sql: string, isSensitive: (column: string) => boolean): SqlScan {
  const tokens = tokenize(sql)
  const placeholders: boolean[] = []
  const literals: Array<readonly [number, number]> = []
  const sensitiveColumn = (token: Token | undefined): boolean =>
    token !== undefined &&
    (token.type === 'ident' || token.type === 'word' || token.type === 'dstring') &&
    isSensitive(token.text)

  /** Paren contexts: whether values directly inside are sensitive, or the insert tuple being filled. */
  interface Context {
    readonly kind: 'plain' | 'columns' | 'tuple'
    readonly sensitive: boolean
    position: number
  }
  const stack: Context[] = []
  let insertColumns: boolean[] | undefined
  let collectingColumns: boolean[] | undefined
  let inValues = false
  let afterInsert = false
  let betweenPending = 0

  const contextSensitive = (): boolean => {
    const top = stack[stack.length - 1]
    if (top === undefined) return false
    if (top.kind === 'tuple') return insertColumns?.[top.position] ?? false
    return top.sensitive
  }

  /** Whether the value at `index` is compared with a sensitive column (`col op value` or `value op col`). */
  const comparedWithSensitive = (index: number): boolean => {
    let before = index - 1
    if (tokens[before]?.type === 'op' && tokens[before]?.text === '-') before--
    const op = tokens[before]
    if (op !== undefined) {
      if (op.type === 'op' && COMPARISON.has(op.text)) {
        if (sensitiveColumn(tokens[before - 1])) return true
      } else if (op.type === 'word' && WORD_OPERATORS.has(op.text)) {
        const column = tokens[before - 1]?.text === 'not' ? tokens[before - 2] : tokens[before - 1]
        if (sensitiveColumn(column)) return true
      }
    }
    const next = tokens[index + 1]
    if (next?.type === 'op' && COMPARISON.has(next.text) && sensitiveColumn(tokens[index + 2])) return true
    return false
  }

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as Token
    switch (token.type) {
      case 'punct':
        if (token.text === '(') {
          stack.push(openContext(index))
        } else if (token.text === ')') {
          const closed = stack.pop()
          if (closed?.kind === 'columns' && collectingColumns !== undefined) {
            insertColumns = collectingColumns
            collectingColumns = undefined
          }
        } else if (token.text === ',') {
          const top = stack[stack.length - 1]
          if (top !== undefined) top.position++
        } else if (token.text === ';') {
          stack.length = 0
          insertColumns = undefined
          collectingColumns = undefined
          inValues = false
          afterInsert = false
          betweenPending = 0
        }
        break
      case 'word':
        if (token.text === 'insert' || (token.text === 'replace' && tokens[index + 1]?.text === 'into')) {
          afterInsert = true
          insertColumns = undefined
          inValues = false
        } else if (token.text === 'values' || token.text === 'value') {
          if (insertColumns !== undefined && stack.length === 0) inValues = true
        } else if (
          stack.length === 0 &&
          (token.text === 'on' || token.text === 'select' || token.text === 'as' || token.text === 'set')
        ) {
          inValues = false
          afterInsert = false
        } else if (token.text === 'between') {
          betweenPending = sensitiveColumn(tokens[index - 1]) ? 2 : 0
        } else if (collectingColumns !== undefined && stack[stack.length - 1]?.kind === 'columns') {
          collectingColumns.push(isSensitive(token.text))
        }
        break
      case 'ident':
      case 'dstring':
        if (collectingColumns !== undefined && stack[stack.length - 1]?.kind === 'columns') {
          // `db`.`table`.`column` inside a column list: only the last part counts.
          if (tokens[index - 1]?.text === '.') collectingColumns.pop()
          collectingColumns.push(isSensitive(token.text))
          break
        }
        if (token.type === 'dstring') markValue(index)
        break
      case 'string':
      case 'number':
      case 'placeholder':
        markValue(index)
        break
      default:
        break
    }
  }
  return { placeholders, literals }

  function markValue(index: number): void {
    const token = tokens[index] as Token
    let sensitive = contextSensitive() || comparedWithSensitive(index)
    if (betweenPending > 0) {
      sensitive = true
      betweenPending--
    }
    if (token.type === 'placeholder') placeholders.push(sensitive)
    else if (sensitive) literals.push([token.start, token.end])
  }

  function openContext(index: number): Context {
    const inherited = contextSensitive()
    const previous = tokens[index - 1]
    if (afterInsert && insertColumns === undefined && collectingColumns === undefined && !inValues) {
      // `insert into t (` opens the column list (not `insert into t values (` nor `insert ... select (`).
      if (previous?.type === 'ident' || previous?.type === 'word' || previous?.type === 'dstring') {
        if (previous.text !== 'values' && previous.text !== 'value' && previous.text !== 'select') {
          collectingColumns = []
          return { kind: 'columns', sensitive: false, position: 0 }
        }
      }
    }
    if (inValues && stack.length === 0) return { kind: 'tuple', sensitive: false, position: 0 }
    if (previous?.type === 'word' && previous.text === 'in') {
      const column = tokens[index - 2]?.text === 'not' ? tokens[index - 3] : tokens[index - 2]
      return { kind: 'plain', sensitive: inherited || sensitiveColumn(column), position: 0 }
    }
    // `col = f(...)` or `col = (...)`: values inside belong to the column.
    const operatorIndex = previous?.type === 'word' || previous?.type === 'ident' ? index - 2 : index - 1
    return {
      kind: 'plain',
      sensitive: inherited || comparedWithSensitive(operatorIndex + 1),
      position: 0,
    }
  }
}

const WORD_START = /[\p{L}_$]/u
const WORD_PART = /[\p{L}\p{N}_$]/u
const DIGIT = /[0-9]/

function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  const length = sql.length
  let index = 0
  while (index < length) {
    const char = sql[index] as string
    const next = sql[index + 1]
    if (char === ' ' || char === '\n' || char === '\t' || char === '\r') {
      index++
    } else if ((char === '-' && next === '-') || char === '#') {
      while (index < length && sql[index] !== '\n') index++
    } else if (char === '/' && next === '*') {
      const close = sql.indexOf('*/', index + 2)
      index = close === -1 ? length : close + 2
    } else if (char === '`') {
      const end = quotedEnd(sql, index, '`', false)
      tokens.push({
        type: 'ident',
        start: index,
        end,
        text: sql.slice(index + 1, end - 1).replaceAll('``', '`'),
      })
      index = end
    } else if (char === "'" || char === '"') {
      const end = quotedEnd(sql, index, char, true)
      tokens.push({
        type: char === "'" ? 'string' : 'dstring',
        start: index,
        end,
        text: sql.slice(index + 1, end - 1),
      })
      index = end
    } else if (char === '?') {
      tokens.push({ type: 'placeholder', start: index, end: index + 1, text: '?' })
      index++
    } else if (DIGIT.test(char) || (char === '.' && next !== undefined && DIGIT.test(next))) {
      let end = index + 1
      while (end < length && /[0-9a-zA-Z_.]/.test(sql[end] as string)) {
        // 1e-5 and 1e+5
        if (/[eE]/.test(sql[end] as string) && /[+-]/.test(sql[end + 1] ?? '')) end++
        end++
      }
      tokens.push({ type: 'number', start: index, end, text: sql.slice(index, end) })
      index = end
    } else if (WORD_START.test(char)) {
      let end = index + 1
      while (end < length && WORD_PART.test(sql[end] as string)) end++
      const quote = sql[end]
      if (quote === "'") {
        // _utf8mb4'...', N'...', X'...', B'...': one literal.
        const literalEnd = quotedEnd(sql, end, "'", true)
        tokens.push({
          type: 'string',
          start: index,
          end: literalEnd,
          text: sql.slice(end + 1, literalEnd - 1),
        })
        index = literalEnd
      } else {
        tokens.push({ type: 'word', start: index, end, text: sql.slice(index, end).toLowerCase() })
        index = end
      }
    } else if (char === '<' || char === '>' || char === '!' || char === '=' || char === ':') {
      const three = sql.slice(index, index + 3)
      const two = sql.slice(index, index + 2)
      const text = three === '<=>' ? three : COMPARISON.has(two) ? two : char
      tokens.push({ type: 'op', start: index, end: index + text.length, text })
      index += text.length
    } else if (char === '(' || char === ')' || char === ',' || char === ';' || char === '.') {
      tokens.push({ type: 'punct', start: index, end: index + 1, text: char })
      index++
    } else {
      tokens.push({ type: 'op', start: index, end: index + 1, text: char })
      index++
    }
  }
  return tokens
}

/** The offset just past a quoted token starting at `start` (doubled quotes, and backslashes in literals). */
function quotedEnd(sql: string, start: number, quote: string, backslashes: boolean): number {
  let index = start + 1
  while (index < sql.length) {
    const char = sql[index]
    if (backslashes && char === '\\') {
      index += 2
    } else if (char === quote) {
      if (sql[index + 1] === quote) index += 2
      else return index + 1
    } else {
      index++
    }
  }
  return sql.length
}
