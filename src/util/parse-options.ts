import { inspect } from 'node:util'
import { z } from 'zod'
import { InvalidOptionsError, type OptionsProblem } from '../error/invalid-options-error.js'

/** Field names whose values never appear in a message. */
const SECRET_FIELD = /pass(word)?|secret|token|key$/i

/** The password of a URL's user info (`scheme://user:password@`), kept up to the colon. */
const URL_PASSWORD = /(\/\/[^/:@\s]*:)[^/@\s]*@/g

/** Explanations for options that are refused on purpose, keyed by field name. */
export type RefusedOptions = Readonly<Record<string, string>>

/**
 * Parses untrusted options with a zod schema and returns the frozen result, or throws an
 * {@link InvalidOptionsError} listing every problem as `<path> <expectation> (got <value>)`.
 * Secret-looking fields (password, secret, token, ...) are never echoed.
 *
 * @example
 * ```ts
 * const resolved = parseOptions(PoolOptionsSchema, input, 'database options')
 * ```
 *
 * @internal
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  refused: RefusedOptions = {},
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true })
  if (result.success) {
    return deepFreeze(result.data)
  }
  const problems: OptionsProblem[] = []
  for (const issue of result.error.issues) {
    problems.push(...describeIssue(issue, refused))
  }
  // The cause keeps zod's issues for debugging, without the inputs that could hold a secret: every input of a
  // secret-looking field, and every object or array (a password can sit inside one).
  throw new InvalidOptionsError(subject, problems, {
    cause: new z.ZodError(result.error.issues.map(withoutSecretInput)),
  })
}

function withoutSecretInput(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  const path = issue.path.map(String).join('.')
  const secret = SECRET_FIELD.test(path) || (typeof issue.input === 'object' && issue.input !== null)
  let cleaned: z.core.$ZodIssue = issue
  if (secret && 'input' in issue) {
    const { input: _input, ...rest } = issue
    cleaned = rest as z.core.$ZodIssue
  }
  if (cleaned.code === 'invalid_union') {
    return {
      ...cleaned,
      errors: cleaned.errors.map((branch) => branch.map(withoutSecretInput)),
    } as z.core.$ZodIssue
  }
  return cleaned
}

function describeIssue(issue: z.core.$ZodIssue, refused: RefusedOptions): OptionsProblem[] {
  const path = issue.path.map(String).join('.')
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = path ? `${path}.${key}` : key
      const why = refused[key]
      return {
        path: keyPath,
        message: why ? `${keyPath} cannot be set: ${why}` : `${keyPath} is not a known option`,
      }
    })
  }
  const subject = path || 'options'
  const got = SECRET_FIELD.test(path) ? '[REDACTED]' : describeValue(issue.input)
  return [{ path, message: `${subject} ${issue.message} (got ${got})` }]
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') {
    // A URL's password never appears, wherever the URL was given.
    const shown = value.replace(URL_PASSWORD, '$1***@')
    return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown)
  }
  if (typeof value === 'function') return 'a function'
  return inspect(value, {
    depth: 1,
    breakLength: Number.POSITIVE_INFINITY,
    maxArrayLength: 5,
    maxStringLength: 80,
  })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && isPlain(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === Array.prototype || proto === null
}
