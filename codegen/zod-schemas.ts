import type { ColumnMetadata } from '../src/schema/schema-metadata.js'
import type { MappedSchema } from './metadata.js'
import type { ValueType } from './type-mapping.js'

/** Which schema of a table: a selected row, an insert, or an update. */
export const ZOD_SCHEMA_KINDS = ['row', 'insert', 'update'] as const
/** A value of {@link ZOD_SCHEMA_KINDS}. */
export type ZodSchemaKind = (typeof ZOD_SCHEMA_KINDS)[number]

/** Options of {@link generateZodSchemas}. */
export interface GenerateZodSchemasOptions {
  /** The first lines of the file (a comment saying it is generated). */
  readonly header: string
  /** How the zod module imports the types module, e.g. `'./db.js'` (only `JsonValue` is imported from it). */
  readonly typesImport: string
}

const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await schemas z'.split(
    ' ',
  ),
)
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The names the generated module's helpers take: a table of the same name is exported in `schemas` only. */
const helperNames = (): ReadonlySet<string> =>
  new Set(
    [...`${HELPERS}${JSON_HELPER}${VECTOR_HELPER}`.matchAll(/^const (\w+)/gm)].map((match) => match[1]!),
  )

/**
 * Writes the zod module: for each table a `row`, an `insert` and an `update` schema whose `z.infer` is exactly
 * Kysely's `Selectable`, `Insertable` and `Updateable` of the generated table type. Strings are limited by
 * characters (CHAR/VARCHAR, counted as the server counts them: code points) or bytes (TEXT family), integers by
 * their signedness and size, DECIMAL by a pattern of its precision and scale, dates and times by their formats,
 * ENUM and SET by their values. Objects are strict: unknown keys are refused.
 *
 * @example
 * ```ts
 * const source = generateZodSchemas(mapped, { header: '// generated\n', typesImport: './db.js' })
 * // import { users } from './generated/zod.js'
 * // const input = users.insert.parse(await request.json())
 * ```
 */
export function generateZodSchemas(mapped: MappedSchema, options: GenerateZodSchemasOptions): string {
  const helpers = helperNames()
  const tableSources: string[] = []
  const names: string[] = []
  let usesJson = false
  let usesVector = false
  for (const table of Object.values(mapped.metadata.tables)) {
    const fields: Record<ZodSchemaKind, string[]> = { row: [], insert: [], update: [] }
    for (const column of Object.values(table.columns)) {
      const value = mapped.valueTypes.get(table.name)?.get(column.name) ?? { kind: 'unknown' as const }
      if (value.kind === 'json' && value.mode === 'parsed') usesJson = true
      if (value.kind === 'vector') usesVector = true
      const key = IDENTIFIER.test(column.name) ? column.name : JSON.stringify(column.name)
      fields.row.push(`${key}: ${zodSource(value, 'row', column)}`)
      if (column.insert !== 'never') {
        fields.insert.push(`${key}: ${zodSource(value, 'insert', column)}`)
        fields.update.push(`${key}: ${zodSource(value, 'update', column)}`)
      }
    }
    const object = (kind: ZodSchemaKind) =>
      fields[kind].length === 0
        ? 'z.strictObject({})'
        : `z.strictObject({\n${fields[kind].map((field) => `    ${field},`).join('\n')}\n  })`
    const body = `{\n  row: ${object('row')},\n  insert: ${object('insert')},\n  update: ${object('update')},\n}`
    const exported = IDENTIFIER.test(table.name) && !RESERVED.has(table.name) && !helpers.has(table.name)
    const comment = `/** \`${table.tableName}\`: zod schemas of a selected row, an insert and an update. */`
    if (exported) {
      tableSources.push(`${comment}\nexport const ${table.name} = ${body};`)
      names.push(table.name)
    } else {
      const local = `table${tableSources.length}`
      tableSources.push(`${comment}\nconst ${local} = ${body};`)
      names.push(`${JSON.stringify(table.name)}: ${local}`)
    }
  }
  const imports = [`import { z } from "zod";`]
  if (usesJson) imports.push(`import type { JsonValue } from ${JSON.stringify(options.typesImport)};`)
  return `${options.header}
${imports.join('\n')}

${HELPERS}${usesJson ? JSON_HELPER : ''}${usesVector ? VECTOR_HELPER : ''}
${tableSources.join('\n\n')}

/** Every table's schemas by its \`DB\` key. */
export const schemas = { ${names.join(', ')} };
`
}

/**
 * The zod expression (source text) of one column in one schema kind.
 *
 * @internal
 */
export function zodSource(
  value: ValueType,
  kind: ZodSchemaKind,
  column: Pick<ColumnMetadata, 'nullable' | 'insert'>,
): string {
  let source = kind === 'row' ? selectSource(value) : insertSource(value)
  if (column.nullable) source += '.nullable()'
  if (kind === 'update' || (kind === 'insert' && column.insert === 'optional')) source += '.optional()'
  return source
}

function selectSource(value: ValueType): string {
  switch (value.kind) {
    case 'boolean':
      return 'z.boolean()'
    case 'integer':
      return `integer(${value.min}, ${value.max})`
    case 'bigint':
      return value.mode === 'bigint'
        ? `bigintValue(${value.min}n, ${value.max}n)`
        : `bigintText(${value.min}n, ${value.max}n)`
    case 'decimal':
      return `decimalText(${value.precision}, ${value.scale}, ${value.unsigned}, true)`
    case 'float':
      return value.unsigned ? 'unsignedFloat()' : 'z.number()'
    case 'string':
      return value.maxChars !== null
        ? `chars(${value.maxChars})`
        : value.maxBytes !== null
          ? `textBytes(${value.maxBytes})`
          : 'z.string()'
    case 'enum':
      return value.values.length === 0 ? 'z.never()' : `z.enum(${JSON.stringify(value.values)})`
    case 'set':
      return `setText(${JSON.stringify(value.values)})`
    case 'date':
      return value.mode === 'date' ? 'z.date()' : 'dateText()'
    case 'datetime':
      return value.mode === 'date' ? 'z.date()' : `datetimeText(${value.fsp})`
    case 'time':
      return `timeText(${value.fsp})`
    case 'year':
      return 'year()'
    case 'json':
      return value.mode === 'parsed' ? 'jsonValue()' : 'jsonText()'
    case 'bytes':
      return value.maxBytes === null ? 'bytes()' : `bytes(${value.maxBytes})`
    case 'bit':
      return `bytes(${Math.ceil(value.bits / 8)})`
    case 'geometry':
      return 'bytes()'
    case 'vector':
      return `vector(${value.dimensions})`
    case 'unknown':
      return 'z.unknown()'
  }
}

function insertSource(value: ValueType): string {
  switch (value.kind) {
    case 'bigint':
      return `int8Input(${value.min}n, ${value.max}n)`
    case 'decimal':
      return `z.union([decimalText(${value.precision}, ${value.scale}, ${value.unsigned}, false), decimalNumber(${value.precision}, ${value.scale}, ${value.unsigned})])`
    case 'date':
      return value.mode === 'date' ? 'z.union([z.date(), dateText()])' : 'dateText()'
    case 'datetime':
      return 'z.union([z.date(), datetimeInput()])'
    case 'time':
      return 'timeText()'
    case 'json':
      return 'jsonText()'
    case 'bit': {
      const max = value.bits >= 53 ? 'Number.MAX_SAFE_INTEGER' : String(2 ** value.bits - 1)
      return `z.union([bytes(${Math.ceil(value.bits / 8)}), integer(0, ${max})])`
    }
    default:
      return selectSource(value)
  }
}

/**
 * Helpers the generated module defines once; each names what it expects in its message. Refinements also run when
 * an earlier check of the same schema failed, so each one guards its own input.
 */
const HELPERS = `/**
 * Gives a schema a plain test that accepts only values the schema accepts and returns unchanged. kysely-toolkit's
 * repositories run these tests before zod and skip zod when every field passes; zod still decides everything else
 * and gives the errors. A schema derived from this one (\`.refine\`, \`.extend\`, \`.meta\`, ...) has no test.
 */
const fast = <T extends z.ZodType>(schema: T, test: (value: unknown) => boolean): T =>
  Object.defineProperty(schema, Symbol.for("kysely-toolkit.fastCheck"), { value: test });

const integer = (min: number, max: number) =>
  fast(
    z
      .number()
      .int({ error: "must be a whole number" })
      .min(min, { error: \`must be at least \${min}\` })
      .max(max, { error: \`must be at most \${max}\` }),
    (value) => typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max,
  );

const unsignedFloat = () =>
  fast(z.number().min(0), (value) => typeof value === "number" && Number.isFinite(value) && value >= 0);

const inBigintRange = (value: bigint, min: bigint, max: bigint) => value >= min && value <= max;

const bigintText = (min: bigint, max: bigint) => {
  const fits = (value: string) => /^-?\\d+$/.test(value) && inBigintRange(BigInt(value), min, max);
  return fast(
    z
      .string()
      .regex(/^-?\\d+$/, { error: "must be a whole number written in digits" })
      .refine(fits, { error: \`must be from \${min} to \${max}\` }),
    (value) => typeof value === "string" && fits(value),
  );
};

const bigintValue = (min: bigint, max: bigint) =>
  fast(
    z.bigint().refine((value) => inBigintRange(value, min, max), { error: \`must be from \${min} to \${max}\` }),
    (value) => typeof value === "bigint" && inBigintRange(value, min, max),
  );

const int8Input = (min: bigint, max: bigint) => {
  const fits = (value: number) => Number.isSafeInteger(value) && inBigintRange(BigInt(value), min, max);
  return z.union([
    bigintText(min, max),
    bigintValue(min, max),
    fast(
      z.number().refine(fits, {
        error: \`must be a safe integer from \${min} to \${max} (give larger values as strings or bigints)\`,
      }),
      (value) => typeof value === "number" && fits(value),
    ),
  ]);
};

const text = (pattern: RegExp, error: string) =>
  fast(z.string().regex(pattern, { error }), (value) => typeof value === "string" && pattern.test(value));

const refinedText = (fits: (value: string) => boolean, error: string) =>
  fast(z.string().refine(fits, { error }), (value) => typeof value === "string" && fits(value));

const decimalText = (precision: number, scale: number, unsigned: boolean, exact: boolean) => {
  const sign = unsigned ? "" : "-?";
  const whole = \`\\\\d{1,\${Math.max(precision - scale, 1)}}\`;
  const fraction = scale === 0 ? "" : exact ? \`\\\\.\\\\d{\${scale}}\` : \`(\\\\.\\\\d{1,\${scale}})?\`;
  return text(
    new RegExp(\`^\${sign}\${whole}\${fraction}$\`),
    \`must be a decimal with at most \${precision - scale} digits before the point and \${scale} after\`,
  );
};

const decimalNumber = (precision: number, scale: number, unsigned: boolean) => {
  const fits = (value: number) => Math.abs(value) < 10 ** (precision - scale) && (!unsigned || value >= 0);
  return fast(
    z.number().refine(fits, { error: \`must be a number with at most \${precision - scale} digits before the point\` }),
    (value) => typeof value === "number" && Number.isFinite(value) && fits(value),
  );
};

// A string's length in UTF-16 units is never below its characters (code points), nor a third of its UTF-8 bytes,
// so the common short value is accepted without counting.
const chars = (max: number) =>
  refinedText((value) => value.length <= max || [...value].length <= max, \`must be at most \${max} characters\`);

const textBytes = (max: number) =>
  refinedText(
    (value) => value.length * 3 <= max || new TextEncoder().encode(value).length <= max,
    \`must be at most \${max} bytes\`,
  );

const bytes = (max?: number) => {
  const fits = (value: Buffer) => max === undefined || value.length <= max;
  return fast(
    z.instanceof(Buffer, { error: "must be a Buffer" }).refine(fits, { error: \`must be at most \${max} bytes\` }),
    (value) => value instanceof Buffer && fits(value),
  );
};

const setText = (members: readonly string[]) =>
  refinedText((value) => {
    if (value === "") return true;
    const parts = value.split(",");
    return parts.every((part) => members.includes(part)) && new Set(parts).size === parts.length;
  }, \`must be a comma-separated list of distinct members of \${members.join(", ")}\`);

const dateText = () => text(/^\\d{4}-\\d{2}-\\d{2}$/, "must be a date as YYYY-MM-DD");

const datetimeText = (fsp: number) =>
  text(
    new RegExp(\`^\\\\d{4}-\\\\d{2}-\\\\d{2} \\\\d{2}:\\\\d{2}:\\\\d{2}\${fsp === 0 ? "" : \`\\\\.\\\\d{\${fsp}}\`}$\`),
    \`must be a date-time as YYYY-MM-DD HH:MM:SS\${fsp === 0 ? "" : \`.\${"f".repeat(fsp)}\`}\`,
  );

const datetimeInput = () =>
  text(
    /^\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?$/,
    "must be a date-time as YYYY-MM-DD HH:MM:SS[.ffffff]",
  );

const timeText = (fsp?: number) =>
  text(
    fsp === undefined
      ? /^-?\\d{1,3}:\\d{2}:\\d{2}(\\.\\d{1,6})?$/
      : new RegExp(\`^-?\\\\d{2,3}:\\\\d{2}:\\\\d{2}\${fsp === 0 ? "" : \`\\\\.\\\\d{\${fsp}}\`}$\`),
    "must be a time as [-]HHH:MM:SS[.ffffff] within -838:59:59 to 838:59:59",
  );

const year = () => {
  const fits = (value: number) => value === 0 || (value >= 1901 && value <= 2155);
  return fast(
    z
      .number()
      .int({ error: "must be a whole number" })
      .refine(fits, { error: "must be 0 or a year from 1901 to 2155" }),
    (value) => typeof value === "number" && Number.isSafeInteger(value) && fits(value),
  );
};

const jsonText = () =>
  refinedText((value) => {
    try {
      JSON.parse(value);
      return true;
    } catch {
      return false;
    }
  }, "must be JSON text");
`

/** The VECTOR helper, only in modules with a VECTOR column. */
const VECTOR_HELPER = `
const vector = (dimensions: number) =>
  fast(
    z
      .instanceof(Buffer, { error: "must be a Buffer" })
      .refine((value) => value.length === dimensions * 4, {
        error: \`must be \${dimensions} single-precision floats (\${dimensions * 4} bytes)\`,
      }),
    (value) => value instanceof Buffer && value.length === dimensions * 4,
  );
`

const JSON_HELPER = `
const isJsonValue = (value: unknown): boolean =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value)) ||
  (Array.isArray(value) && value.every(isJsonValue)) ||
  (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype && Object.values(value as object).every(isJsonValue));

const jsonValue = () => fast(z.custom<JsonValue>(isJsonValue, { error: "must be a JSON value" }), isJsonValue);
`
