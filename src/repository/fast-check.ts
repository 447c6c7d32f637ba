/**
 * The key under which a zod schema carries a plain test that accepts only values the schema accepts and returns
 * unchanged. The generated `zod.ts` sets it on its helpers (`integer`, `chars`, ...); `Symbol.for` so the
 * generated module needs no import from the toolkit.
 */
export const FAST_CHECK_KEY = Symbol.for('kysely-toolkit.fastCheck')

/** A test that says, without allocating, that zod would accept a value and return it unchanged. */
export type FastCheck = (value: unknown) => boolean

/** The part of a zod schema's definition read here (`_zod.def`). */
interface SchemaDefinition {
  readonly type?: string
  readonly checks?: readonly unknown[]
  readonly coerce?: boolean
  readonly innerType?: unknown
  readonly options?: readonly unknown[]
  readonly shape?: Readonly<Record<string, unknown>>
  readonly catchall?: unknown
}

/** zod 4's internals of a schema (`_zod`), the same in zod and zod/mini. */
interface SchemaInternals {
  readonly def?: SchemaDefinition
  /** The accepted values of an enum or a literal. */
  readonly values?: unknown
  readonly traits?: ReadonlySet<string>
}

/**
 * The definition keys of the zod types read here, in their plain form. A definition with any other key (a string
 * format such as `z.email()`, `z.xor`'s exclusivity, a discriminator, a transform, a future option) is not read:
 * its values go to zod.
 */
const PLAIN_DEFINITION_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  object: new Set(['type', 'error', 'checks', 'shape', 'catchall']),
  optional: new Set(['type', 'error', 'checks', 'innerType']),
  nullable: new Set(['type', 'error', 'checks', 'innerType']),
  string: new Set(['type', 'error', 'checks', 'coerce']),
  number: new Set(['type', 'error', 'checks', 'coerce']),
  boolean: new Set(['type', 'error', 'checks', 'coerce']),
  date: new Set(['type', 'error', 'checks', 'coerce']),
  enum: new Set(['type', 'error', 'checks', 'entries']),
  literal: new Set(['type', 'error', 'checks', 'values']),
  union: new Set(['type', 'error', 'checks', 'options']),
}

/** A field of a strict object: whether it may be absent or null, and the test of its value. */
interface FieldCheck {
  readonly optional: boolean
  readonly nullable: boolean
  readonly test: FastCheck | undefined
}

/**
 * A plain test for a write schema (a strict `z.strictObject` as generated), built once from its fields' tests:
 * it passes an object whose every key is a field of the schema, whose every required field is there and whose
 * every value passes its field's test. Then zod would accept the object and return the same values, so the
 * repository skips zod. `undefined` when the schema is not such an object (it has object-level refinements,
 * transforms, defaults, unknown keys allowed, ...); a field without a test only makes objects that contain it
 * go to zod.
 *
 * @example
 * ```ts
 * const accepts = writeCheckOf(schemas.users.insert)
 * accepts?.({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }) // true
 * accepts?.({ email: 42 }) // false: zod decides, and gives the errors
 * ```
 *
 * @internal
 */
export function writeCheckOf(schema: unknown): FastCheck | undefined {
  const def = plainDefinitionOf(schema)
  if (def?.type !== 'object' || def.shape === undefined) return undefined
  if (definitionOf(def.catchall)?.type !== 'never') return undefined
  const fields = new Map<string, FieldCheck>()
  let required = 0
  for (const [key, field] of Object.entries(def.shape)) {
    let inner = field
    let optional = false
    let nullable = false
    for (;;) {
      const innerDef = plainDefinitionOf(inner)
      if (innerDef?.type === 'optional') optional = true
      else if (innerDef?.type === 'nullable') nullable = true
      else break
      inner = innerDef.innerType
    }
    fields.set(key, { optional, nullable, test: valueCheckOf(inner) })
    if (!optional) required++
  }
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return false
    let present = 0
    // An inherited key (zod reads those too, a copy of the object would not) sends the object to zod.
    for (const key in input) {
      const field = fields.get(key)
      if (field === undefined || !Object.hasOwn(input, key)) return false
      const value = (input as Readonly<Record<string, unknown>>)[key]
      // An undefined value goes to zod (some optional fields take only an absent key; writes drop undefined first).
      if (value === undefined) return false
      if (value === null ? !field.nullable : field.test === undefined || !field.test(value)) return false
      if (!field.optional) present++
    }
    return present === required
  }
}

/**
 * The test of one value schema: its own (set by the generated helpers), or one read from its definition for the
 * plain zod types whose acceptance is simple (a string, a finite number, a boolean, a valid Date, an enum member,
 * a union whose every member has a test).
 */
function valueCheckOf(schema: unknown): FastCheck | undefined {
  const own = (schema as { readonly [FAST_CHECK_KEY]?: unknown } | null | undefined)?.[FAST_CHECK_KEY]
  if (typeof own === 'function') return own as FastCheck
  const def = plainDefinitionOf(schema)
  if (def === undefined) return undefined
  switch (def.type) {
    case 'string':
      return isString
    case 'number':
      return Number.isFinite as FastCheck
    case 'boolean':
      return isBoolean
    case 'date':
      return isValidDate
    case 'enum':
    case 'literal': {
      // zod's own set of the accepted values (for a TypeScript enum, without its reverse mappings).
      const members = internalsOf(schema)?.values
      return members instanceof Set ? (value) => members.has(value) : undefined
    }
    case 'union': {
      if (def.options === undefined) return undefined
      const tests = def.options.map(valueCheckOf)
      if (tests.length === 0 || tests.some((test) => test === undefined)) return undefined
      const all = tests as readonly FastCheck[]
      return (value) => {
        for (const test of all) if (test(value)) return true
        return false
      }
    }
    default:
      return undefined
  }
}

function internalsOf(schema: unknown): SchemaInternals | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  return (schema as { readonly _zod?: SchemaInternals })._zod
}

function definitionOf(schema: unknown): SchemaDefinition | undefined {
  return internalsOf(schema)?.def
}

/**
 * The definition of a schema in one of the plain forms of {@link PLAIN_DEFINITION_KEYS}: no checks, no coercion, no
 * other option, and not itself a check (as string formats are); else `undefined`.
 */
function plainDefinitionOf(schema: unknown): SchemaDefinition | undefined {
  const internals = internalsOf(schema)
  const def = internals?.def
  const allowed = PLAIN_DEFINITION_KEYS[def?.type ?? '']
  if (def === undefined || allowed === undefined || internals?.traits?.has('$ZodCheck') !== false)
    return undefined
  if ((def.checks?.length ?? 0) > 0 || def.coerce === true) return undefined
  for (const key of Object.keys(def)) {
    if (!allowed.has(key) && (def as Readonly<Record<string, unknown>>)[key] !== undefined) return undefined
  }
  return def
}

function isString(value: unknown): boolean {
  return typeof value === 'string'
}

function isBoolean(value: unknown): boolean {
  return typeof value === 'boolean'
}

function isValidDate(value: unknown): boolean {
  return value instanceof Date && !Number.isNaN(value.getTime())
}
