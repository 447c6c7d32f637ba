import { inspect } from 'node:util'
import type { z } from 'zod'
import { InvalidOptionsError, type OptionsProblem } from '../error/invalid-options-error.js'

/** Field names whose values never appear in a message. */
const SECRET_FIELD = /pass(word)?|secret|token|key$/i

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
  throw new InvalidOptionsError(subject, problems, { cause: result.error })
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
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
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
