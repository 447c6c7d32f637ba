/**
 * The forms a database name takes when Kysely's `CamelCasePlugin` is installed beside the encryption plugin.
 *
 * Kysely runs every plugin's `transformResult` in the same order as its `transformQuery`, so whichever order
 * the two plugins are installed in, the encryption plugin sees application names (camelCase) in one phase and
 * database names (snake_case) in the other. The configured names are the database's; these functions give
 * the other forms, computed with `CamelCasePlugin`'s own mappings (through a subclass, as `CamelCasePlugin`
 * invites), under each of its options.
 *
 * @module
 */
import { CamelCasePlugin, type CamelCasePluginOptions } from 'kysely'

class NameMapper extends CamelCasePlugin {
  toCamel(name: string): string {
    return this.camelCase(name)
  }

  toSnake(name: string): string {
    return this.snakeCase(name)
  }
}

const CAMEL_MAPPERS = [new NameMapper(), new NameMapper({ upperCase: true })]
const SNAKE_MAPPERS = [false, true].flatMap((upperCase) =>
  [false, true].flatMap((underscoreBeforeDigits) =>
    [false, true].map(
      (underscoreBetweenUppercaseLetters) =>
        new NameMapper({
          upperCase,
          underscoreBeforeDigits,
          underscoreBetweenUppercaseLetters,
        } satisfies CamelCasePluginOptions),
    ),
  ),
)

/**
 * The names a query may use for a database name: itself, and its camelCase forms (`CamelCasePlugin`'s, with
 * and without `upperCase`), without repeats.
 * @internal
 */
export function queryNameForms(databaseName: string): readonly string[] {
  return [...new Set([databaseName, ...CAMEL_MAPPERS.map((mapper) => mapper.toCamel(databaseName))])]
}

/**
 * The camelCase form of a database name that `CamelCasePlugin` maps back to it, for a name a query used in
 * camelCase: the plugin writes a companion column (a blind index) in the form of the column it accompanies.
 * @internal
 */
export function camelCaseLike(databaseName: string, written: string, companion: string): string {
  if (written === databaseName) return companion
  for (const mapper of CAMEL_MAPPERS) {
    if (mapper.toCamel(databaseName) === written) return mapper.toCamel(companion)
  }
  return companion
}

const CANDIDATE_CACHE_SIZE = 4096
const candidateCache = new Map<string, readonly string[]>()

/**
 * The keys a result column planned under `key` may have in a row: `key` itself, then its camelCase forms
 * (when `CamelCasePlugin` ran first, its `transformResult` renamed the row's keys) and its snake_case forms
 * under each of `CamelCasePlugin`'s options (when it runs after, the row still has the database's names for
 * what the query named in camelCase).
 * @internal
 */
export function resultKeyCandidates(key: string): readonly string[] {
  let candidates = candidateCache.get(key)
  if (candidates === undefined) {
    candidates = [
      ...new Set([
        key,
        ...CAMEL_MAPPERS.map((mapper) => mapper.toCamel(key)),
        ...SNAKE_MAPPERS.map((mapper) => mapper.toSnake(key)),
      ]),
    ]
    if (candidateCache.size >= CANDIDATE_CACHE_SIZE) candidateCache.clear()
    candidateCache.set(key, candidates)
  }
  return candidates
}

/**
 * The key under which `row` holds the result column planned as `key`, or `undefined` when it holds none of its
 * forms.
 * @internal
 */
export function findResultKey(row: object, key: string): string | undefined {
  if (key in row) return key
  for (const candidate of resultKeyCandidates(key)) if (candidate in row) return candidate
  return undefined
}
