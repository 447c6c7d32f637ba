import { inspect } from 'node:util'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { createDatabase, type Database, REDACTED, UniqueViolationError } from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'

let test: TestDatabase<DB>
let plain: Database<DB>
const TOKEN = 'tok_live_4f9a0c1e7b'

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    prefix: 'ktredact',
    databaseOptions: withSuitePlugins({}),
  })
  await sql`create table kt_secrets (id int primary key, api_token varchar(64) not null unique, note varchar(8))`.execute(
    test.db,
  )
  await sql`insert into kt_secrets values (1, ${TOKEN}, 'first')`.execute(test.db)
  plain = createDatabase<DB>({ url: test.url, redactErrors: false })
})

afterAll(async () => {
  await plain?.close()
  await test?.destroy()
})

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the statement to fail')
    },
    (error: unknown) => error,
  )
}

/** Everything an application that logs the error could print. */
function printed(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause
  return [
    String(error),
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    JSON.stringify(cause),
    (error as Error).stack,
    (cause as Error | undefined)?.stack,
  ].join('\n')
}

describe('errors thrown by createDatabase', () => {
  it('hold no value of a sensitive column: a duplicate api token is [REDACTED] everywhere', async () => {
    const error = await failure(sql`insert into kt_secrets values (2, ${TOKEN}, 'second')`.execute(test.db))
    expect(UniqueViolationError.is(error)).toBe(true)
    expect(error).toMatchObject({ table: 'kt_secrets', columns: ['api_token'], value: REDACTED })
    expect((error as Error).message).toBe(
      `Duplicate value '${REDACTED}' for unique index api_token (api_token) of kt_secrets`,
    )
    const cause = (error as { cause: { errno: number; sql: string } }).cause
    expect(cause.errno).toBe(1062)
    expect(cause.sql).toBe(`insert into kt_secrets values (2, '${REDACTED}', 'second')`)
    expect(printed(error)).not.toContain(TOKEN)
  })

  it('stay typed when the secret holds a quote (the server does not escape it in its message)', async () => {
    const quoted = "tok_live_it's_'quoted'"
    await sql`insert into kt_secrets values (5, ${quoted}, 'fifth')`.execute(test.db)
    const error = await failure(sql`insert into kt_secrets values (6, ${quoted}, 'sixth')`.execute(test.db))
    expect(UniqueViolationError.is(error)).toBe(true)
    expect(error).toMatchObject({ index: 'api_token', value: REDACTED })
    expect((error as { cause: { sqlMessage: string } }).cause.sqlMessage).toMatch(
      /^Duplicate entry '\[REDACTED\]' for key '(kt_secrets\.)?api_token'$/,
    )
    expect(printed(error)).not.toContain('quoted')
  })

  it('redact a value the statement text does not show when the violated index covers a sensitive column', async () => {
    const error = await failure(
      sql`insert into kt_secrets select 3, concat('tok_live_', '4f9a0c1e7b'), 'third'`.execute(test.db),
    )
    expect(UniqueViolationError.is(error)).toBe(true)
    expect((error as UniqueViolationError).value).toBe(REDACTED)
    expect(printed(error)).not.toContain(TOKEN)
  })

  it('scrub errors passed through untranslated too (their sql holds the bound values)', async () => {
    // A value too wide for a sensitive column's neighbour is a typed error; an unknown column is not translated.
    const error = await failure(
      sql`update kt_secrets set api_token = ${'tok_live_other'}, no_such_column = 1 where id = 1`.execute(
        test.db,
      ),
    )
    expect(error).toMatchObject({ errno: 1054 })
    expect((error as { sql: string }).sql).toContain(`api_token = '${REDACTED}'`)
    expect(printed(error)).not.toContain('tok_live_other')
  })

  it('keep values that are not sensitive, and everything with redactErrors: false', async () => {
    const kept = await failure(sql`insert into kt_secrets values (1, ${'tok_other'}, 'x')`.execute(test.db))
    expect(kept).toMatchObject({ index: 'PRIMARY', value: '1' })
    const raw = await failure(sql`insert into kt_secrets values (4, ${TOKEN}, 'fourth')`.execute(plain.db))
    expect((raw as UniqueViolationError).value).toBe(TOKEN)
    expect((raw as { cause: { sql: string } }).cause.sql).toContain(TOKEN)
  })
})
