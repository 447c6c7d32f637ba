import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type GeneratedCode, generateCode } from '../../../codegen/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { testServer } from '../../helpers/test-server.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<unknown>
let code: GeneratedCode

beforeAll(async () => {
  test = await createTestDatabase({ serverUrl, prefix: 'cgmembers' })
  await sql`
    create table reactions (
      id int not null primary key,
      kind enum('like', '🐬', 'é', 'it''s?') not null,
      tags set('x', '🎉', '?') null
    ) engine = InnoDB default charset = utf8mb4`.execute(test.db)
  code = await generateCode(test.db as Kysely<unknown>)
})

afterAll(async () => {
  await test?.destroy()
})

describe(`ENUM and SET members outside the Basic Multilingual Plane (on ${testServer.name})`, () => {
  it('are read as stored, not as the ? of utf8mb3 metadata', () => {
    const columns = code.schema.tables.reactions?.columns
    expect(columns?.kind?.enumValues).toEqual(['like', '🐬', 'é', "it's?"])
    expect(columns?.tags?.setValues).toEqual(['x', '🎉', '?'])
    expect(columns?.kind?.columnType).toBe("enum('like','🐬','é','it''s?')")
  })

  it('reach the generated type and zod schema', () => {
    expect(code.types).toContain('"🐬"')
    expect(code.zod).toContain('🐬')
    expect(code.zod).toContain('🎉')
  })

  it('leave no temporary table behind', async () => {
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from information_schema.tables
      where table_schema = database() and table_name like 'kt_members%'`.execute(test.db)
    expect(Number(rows[0]?.n)).toBe(0)
  })
})
