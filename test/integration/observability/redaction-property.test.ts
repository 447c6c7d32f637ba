import fc from 'fast-check'
import { type Kysely, sql } from 'kysely'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  combineLogs,
  createDatabase,
  createQueryLogger,
  createQueryMetrics,
  type Database,
  formatPrometheus,
  logPinoStyle,
  type QueryLogWriter,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'

interface SecretsDB {
  obs_secrets: {
    id: number | undefined
    api_token: string
    ssn: string | null
    password_hash: string | null
    note: string | null
  }
}

let test: TestDatabase<SecretsDB>
let database: Database<SecretsDB>
const lines: string[] = []
const records: string[] = []
const metrics = createQueryMetrics({ slowQueryMs: 0, slowQueryCapacity: 1_000 })

beforeAll(async () => {
  test = await createTestDatabase<SecretsDB>({ serverUrl: inject('serverUrl'), prefix: 'ktobsprop' })
  await sql`create table obs_secrets (
    id int unsigned auto_increment primary key,
    api_token varchar(255) not null unique,
    ssn varchar(255) null,
    password_hash varchar(255) null,
    note varchar(255) null
  ) character set utf8mb4 collate utf8mb4_bin`.execute(test.db)
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) })
  const everything: QueryLogWriter = (level, event, message) => {
    records.push(JSON.stringify({ level, event, message }))
  }
  const pinoLogger = createQueryLogger({ logger: logPinoStyle(logger) })
  const collecting = createQueryLogger({ logger: everything, slowQueryMs: 0 })
  database = createDatabase<SecretsDB>({
    url: test.url,
    log: combineLogs(pinoLogger.log, collecting.log, metrics.log),
    plugins: [pinoLogger.plugin, collecting.plugin],
  })
})

afterAll(async () => {
  await database?.close()
  await test?.destroy()
})

const CHARACTERS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789',
  "'",
  '"',
  '\\',
  '%',
  '_',
  '?',
  ' ',
  'é',
  'ß',
  '🐬',
  '`',
  ',',
  '(',
  ')',
]
const secret = fc
  .string({ unit: fc.constantFrom(...CHARACTERS), minLength: 8, maxLength: 60 })
  .filter((value) => value.replace(/[\s'"\\%_?`,()]/g, '').length >= 6)

/** A MySQL string literal for raw SQL written by hand. */
const literal = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

async function runQueries(
  db: Kysely<SecretsDB>,
  token: string,
  ssn: string,
  password: string,
): Promise<void> {
  await db
    .insertInto('obs_secrets')
    .values({ api_token: token, ssn, password_hash: password, note: 'plain' })
    .execute()
  await db
    .updateTable('obs_secrets')
    .set({ ssn: `${ssn}2`, note: 'updated' })
    .where('api_token', '=', token)
    .execute()
  await db
    .selectFrom('obs_secrets')
    .select('id')
    .where('ssn', 'in', [`${ssn}2`, 'other'])
    .execute()
  await db
    .selectFrom('obs_secrets')
    .select('id')
    .where('ssn', '=', sql.lit(`${ssn}2`))
    .execute()
  await sql`select id from obs_secrets where password_hash = ${password}`.execute(db)
  await sql.raw(`select id from obs_secrets where api_token = ${literal(token)}`).execute(db)
  await db
    .insertInto('obs_secrets')
    .values({ api_token: token, note: 'duplicate' })
    .execute()
    .then(
      () => expect.unreachable('the duplicate insert must fail'),
      (error: { code?: string; cause?: { code?: string } }) => expect(error.cause?.code).toBe('ER_DUP_ENTRY'),
    )
  await db.deleteFrom('obs_secrets').where('api_token', '=', token).execute()
}

describe('redaction property', () => {
  it('random secrets bound to sensitive columns never appear in any log line, event or metric', async () => {
    await fc.assert(
      fc.asyncProperty(secret, secret, secret, async (token, ssn, password) => {
        fc.pre(token !== ssn && token !== password && ssn !== password)
        lines.length = 0
        records.length = 0
        metrics.reset()
        await runQueries(database.db, token, ssn, password)
        await new Promise((resolve) => setImmediate(resolve))
        expect(records).toHaveLength(8)
        expect(lines).toHaveLength(8)
        const output = [
          ...lines,
          ...records,
          JSON.stringify(metrics.snapshot()),
          formatPrometheus(metrics.collect()),
        ]
        for (const value of [token, ssn, `${ssn}2`, password]) {
          const escaped = JSON.stringify(value).slice(1, -1)
          for (const line of output) {
            expect(line.includes(value), `${JSON.stringify(value)} leaked into ${line}`).toBe(false)
            expect(line.includes(escaped), `${escaped} leaked into ${line}`).toBe(false)
          }
        }
      }),
      { numRuns: 40 },
    )
  })
})
