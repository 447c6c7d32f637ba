/** What a piece of SQL text is, as far as finding identifiers needs. @internal */
export type SqlTokenKind = 'word' | 'identifier' | 'string' | 'variable' | 'punctuation' | 'space'

/** One token of SQL text; `value` is an identifier's name (quotes removed, doubled quotes undone). @internal */
export interface SqlToken {
  readonly kind: SqlTokenKind
  readonly start: number
  readonly end: number
  readonly value: string
}

/** How the server parses quotes, from the `sql_mode` a statement runs with. @internal */
export interface SqlQuoting {
  /** `ANSI_QUOTES`: `"x"` is an identifier, not a string. */
  readonly ansiQuotes: boolean
  /** Off under `NO_BACKSLASH_ESCAPES`: `\` escapes inside strings. */
  readonly backslashEscapes: boolean
}

/** The quoting rules of a `sql_mode` (`null`: the restore session's, which has neither flag). @internal */
export function quotingOf(sqlMode: string | null): SqlQuoting {
  const flags = new Set((sqlMode ?? '').toUpperCase().split(','))
  return {
    ansiQuotes: flags.has('ANSI_QUOTES') || flags.has('ANSI'),
    backslashEscapes: !flags.has('NO_BACKSLASH_ESCAPES'),
  }
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/

/**
 * Splits SQL text into tokens: words (keywords and unquoted names), quoted identifiers, strings, user and system
 * variables, punctuation, and space (whitespace and comments; the markers of a version comment `/*!50003 ... *\/`
 * are space, its content is code, as the server runs it). Every character belongs to exactly one token.
 *
 * @internal
 */
export function tokenizeSql(sql: string, quoting: SqlQuoting): SqlToken[] {
  const tokens: SqlToken[] = []
  let index = 0
  let versionComments = 0
  const push = (kind: SqlTokenKind, start: number, end: number, value = ''): void => {
    tokens.push({ kind, start, end, value })
    index = end
  }
  const quoted = (quote: string, escapes: boolean): number => {
    let at = index + 1
    while (at < sql.length) {
      const char = sql[at]!
      if (escapes && char === '\\') at += 2
      else if (char === quote) {
        if (sql[at + 1] === quote) at += 2
        else return at + 1
      } else at++
    }
    return sql.length
  }
  while (index < sql.length) {
    const char = sql[index]!
    const next = sql[index + 1]
    if (/\s/.test(char)) {
      let end = index + 1
      while (end < sql.length && /\s/.test(sql[end]!)) end++
      push('space', index, end)
    } else if (char === '/' && next === '*') {
      const version = /^\/\*M?!\d*/.exec(sql.slice(index, index + 12))
      if (version) {
        versionComments++
        push('space', index, index + version[0].length)
      } else {
        const close = sql.indexOf('*/', index + 2)
        push('space', index, close < 0 ? sql.length : close + 2)
      }
    } else if (char === '*' && next === '/' && versionComments > 0) {
      versionComments--
      push('space', index, index + 2)
    } else if (char === '#' || (char === '-' && next === '-' && /[\s]/.test(sql[index + 2] ?? ' '))) {
      const close = sql.indexOf('\n', index)
      push('space', index, close < 0 ? sql.length : close + 1)
    } else if (char === '`') {
      const end = quoted('`', false)
      push('identifier', index, end, sql.slice(index + 1, end - 1).replaceAll('``', '`'))
    } else if (char === '"' && quoting.ansiQuotes) {
      const end = quoted('"', false)
      push('identifier', index, end, sql.slice(index + 1, end - 1).replaceAll('""', '"'))
    } else if (char === "'" || char === '"') {
      push('string', index, quoted(char, quoting.backslashEscapes))
    } else if (char === '@') {
      let end = index + 1
      while (sql[end] === '@') end++
      const quote = sql[end]
      if (quote === '`' || quote === "'" || quote === '"') {
        const start = index
        index = end
        end = quoted(quote, quote !== '`' && quoting.backslashEscapes)
        index = start
      } else {
        while (end < sql.length && (WORD.test(sql[end]!) || sql[end] === '.')) end++
      }
      push('variable', index, end)
    } else if (WORD.test(char)) {
      let end = index + 1
      while (end < sql.length && WORD.test(sql[end]!)) end++
      push('word', index, end, sql.slice(index, end))
    } else {
      push('punctuation', index, index + 1, char)
    }
  }
  return tokens
}

/** Whether a token names something: a quoted identifier, or a word that is not a number. @internal */
export function isName(token: SqlToken | undefined): token is SqlToken {
  return (
    token !== undefined &&
    (token.kind === 'identifier' || (token.kind === 'word' && !/^\d+(?:e\d*)?$/i.test(token.value)))
  )
}
