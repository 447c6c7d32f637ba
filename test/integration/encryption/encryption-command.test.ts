import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { runCli } from '../../../src/cli/run-cli.js'
import { createKeyring, EncryptionPlugin } from '../../../src/plugin/encryption/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { captureIo } from '../../helpers/capture-io.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

interface DB {
  members: {
    id: number
    name: string
    ssn: string | null
    email: string | null
    email_index: number | null
  }
}

const CONFIG = `export default {
  encryption: {
    readLegacyPlaintext: true,
    tables: {
      members: {
        ssn: { maxPlaintextBytes: 11 },
        email: { blindIndex: { column: 'email_index', bits: 4, transform: (value) => String(value).toLowerCase() } },
      },
    },
  },
}
`

const material = createTestKeyMaterial()
const keys = material.keys as Record<string, string>
/** The environment of the command: k1 is current, k0 is the old key. */
const env = (url: string) => ({
  DATABASE_URL: url,
  ENCRYPTION_KEYS: `k1:${keys.k1},k0:${keys.k0}`,
  BLIND_INDEX_KEY: String(material.blindIndexKey),
})
const tables = {
  members: {
    ssn: { maxPlaintextBytes: 11 },
    email: {
      blindIndex: {
        column: 'email_index',
        bits: 4,
        transform: (value: unknown) => String(value).toLowerCase(),
      },
    },
  },
} as const
const oldPlugin = new EncryptionPlugin<DB>({
  keyring: createKeyring({ keys: { ...material, currentKeyId: 'k0' } }),
  tables,
})
const newPlugin = new EncryptionPlugin<DB>({ keyring: createKeyring({ keys: material }), tables })

let test: TestDatabase<DB>
let folder: string

beforeAll(async () => {
  test = await createTestDatabase<DB>({ serverUrl: inject('serverUrl'), prefix: 'ktenccli' })
  await sql`create table members (
    id int primary key,
    name varchar(50) not null,
    ssn varchar(100) character set ascii null,
    email varchar(200) character set ascii null,
    email_index int unsigned null
  )`.execute(test.db)
  folder = await mkdtemp(join(tmpdir(), 'kt-encryption-cli-'))
  await writeFile(join(folder, 'kysely-toolkit.config.ts'), CONFIG)
})
afterAll(async () => {
  await test?.destroy()
  if (folder) await rm(folder, { recursive: true, force: true })
})
beforeEach(async () => {
  await test.db.deleteFrom('members').execute()
  const old = test.db.withPlugin(oldPlugin) as Kysely<DB>
  await old
    .insertInto('members')
    .values(
      Array.from({ length: 7 }, (_, i) => ({
        id: i + 1,
        name: `m${i}`,
        ssn: `000-00-000${i}`,
        email: `Member${i}@Example.com`,
      })),
    )
    .execute()
  // A legacy row in plaintext, and one already on the current key.
  await test.db
    .insertInto('members')
    .values({ id: 8, name: 'legacy', ssn: '111-11-1111', email: null })
    .execute()
  await (test.db.withPlugin(newPlugin) as Kysely<DB>)
    .insertInto('members')
    .values({ id: 9, name: 'new', ssn: '999-99-9999', email: 'New@Example.com' })
    .execute()
})

function noKeyMaterial(text: string): void {
  for (const key of [keys.k0, keys.k1, String(material.blindIndexKey)]) expect(text).not.toContain(key)
}

describe('kysely-toolkit encryption status', () => {
  it('counts rows on old keys per column and key, plaintext apart', async () => {
    const io = captureIo(env(test.url), folder)
    expect(await runCli(['encryption', 'status', '--table', 'members'], io)).toBe(0)
    expect(io.out()).toBe(
      'members: 8 row(s) with values on old keys (current key k1)\n' +
        '  ssn: k1 1, k0 7, plaintext 1\n' +
        '  email: k1 1, k0 7\n',
    )
    const json = captureIo(env(test.url), folder)
    expect(
      await runCli(['encryption', 'status', '--table', 'members', '--columns', 'email', '--json'], json),
    ).toBe(0)
    expect(JSON.parse(json.out())).toEqual({
      table: 'members',
      currentKeyId: 'k1',
      rows: 7,
      columns: { email: { k0: 7, k1: 1 } },
    })
    noKeyMaterial(io.out() + io.err() + json.out() + json.err())
  })
})

describe('kysely-toolkit encryption rotate', () => {
  it('re-encrypts in batches with progress lines, then nothing is left on old keys', async () => {
    const io = captureIo(env(test.url), folder)
    expect(await runCli(['encryption', 'rotate', '--table', 'members', '--batch-size', '3'], io)).toBe(0)
    const lines = io.out().trim().split('\n')
    expect(lines.slice(0, -1)).toEqual([
      'members: batch 1, 3 row(s) read, 3 re-encrypted, 0 skipped',
      'members: batch 2, 6 row(s) read, 6 re-encrypted, 0 skipped',
      'members: batch 3, 8 row(s) read, 8 re-encrypted, 0 skipped',
    ])
    expect(lines.at(-1)).toMatch(
      /^members: 8 row\(s\) re-encrypted to key k1 in 3 batch\(es\), [\d.]+ s; 0 skipped \(changed meanwhile\); 0 row\(s\) left on old keys$/,
    )
    noKeyMaterial(io.out() + io.err())

    const db = test.db.withPlugin(newPlugin) as Kysely<DB>
    const rows = await db.selectFrom('members').select(['id', 'ssn', 'email']).orderBy('id').execute()
    expect(rows[0]).toEqual({ id: 1, ssn: '000-00-0000', email: 'Member0@Example.com' })
    expect(rows[7]).toEqual({ id: 8, ssn: '111-11-1111', email: null })
    const { rows: stored } = await sql<{ ssn: string }>`select ssn from members`.execute(test.db)
    for (const row of stored) expect(row.ssn).toMatch(/^kt1:k1:/)
    // The blind index was recomputed with the configured transform: case-insensitive lookups find the row.
    expect(
      await db.selectFrom('members').select('id').where('email', '=', 'member3@example.com').execute(),
    ).toEqual([{ id: 4 }])

    const again = captureIo(env(test.url), folder)
    expect(await runCli(['encryption', 'rotate', '--table', 'members', '--json'], again)).toBe(0)
    expect(JSON.parse(again.out())).toMatchObject({
      table: 'members',
      currentKeyId: 'k1',
      batches: 0,
      rotated: 0,
      remainingOnOldKeys: 0,
    })
  })

  it('rotates only the columns named, printing progress on stderr with --json', async () => {
    const io = captureIo(env(test.url), folder)
    expect(
      await runCli(['encryption', 'rotate', '--table', 'members', '--columns', 'email', '--json'], io),
    ).toBe(0)
    expect(JSON.parse(io.out())).toMatchObject({ rotated: 7, skipped: 0, remainingOnOldKeys: 0 })
    expect(io.err()).toContain('members: batch 1, 7 row(s) read, 7 re-encrypted, 0 skipped')
    const status = captureIo(env(test.url), folder)
    await runCli(['encryption', 'status', '--table', 'members', '--json'], status)
    expect(JSON.parse(status.out()).columns).toEqual({ ssn: { k0: 7, k1: 1, '': 1 }, email: { k1: 8 } })
  })
})

describe('kysely-toolkit encryption --help', () => {
  it('documents both actions, where keys and tables come from, and is listed in the general help', async () => {
    const io = captureIo({}, folder)
    expect(await runCli(['encryption', '--help'], io)).toBe(0)
    for (const text of [
      'Usage: kysely-toolkit encryption <rotate|status>',
      'Usage: kysely-toolkit encryption rotate --table <table>',
      'Usage: kysely-toolkit encryption status --table <table>',
      'ENCRYPTION_KEYS',
      'Never pass keys as arguments',
    ]) {
      expect(io.out()).toContain(text)
    }
    const general = captureIo({}, folder)
    expect(await runCli(['--help'], general)).toBe(0)
    expect(general.out()).toMatch(/ {2}encryption {2}Column encryption: rotate/)
  })
})

describe('kysely-toolkit encryption failures', () => {
  it('answers usage mistakes with exit code 2 and the usage; keys are not options', async () => {
    const cases: [string[], string][] = [
      [['encryption', 'spin'], 'unknown encryption action "spin"'],
      [['encryption', 'rotate'], '--table is required'],
      [
        ['encryption', 'rotate', '--table', 'members', '--batch-size', '0'],
        '--batch-size must be a positive integer',
      ],
      [['encryption', 'status', '--table', 'members', '--columns', ','], '--columns must list column names'],
      [['encryption', 'rotate', '--table', 'members', '--key', keys.k1!], "Unknown option '--key'"],
    ]
    for (const [argv, message] of cases) {
      const io = captureIo(env(test.url), folder)
      expect(await runCli(argv, io), argv.join(' ')).toBe(2)
      expect(io.err()).toContain(message)
      expect(io.err()).toContain('Usage: kysely-toolkit encryption')
    }
  })

  it('names a missing key variable, an unknown table and a bad config field without printing keys', async () => {
    const noKeys = captureIo({ DATABASE_URL: test.url }, folder)
    expect(await runCli(['encryption', 'status', '--table', 'members'], noKeys)).toBe(1)
    expect(noKeys.err()).toContain('ENCRYPTION_KEYS is not set')

    const wrongKey = captureIo({ ...env(test.url), ENCRYPTION_KEYS: 'k1:not-a-key' }, folder)
    expect(await runCli(['encryption', 'status', '--table', 'members'], wrongKey)).toBe(1)
    expect(wrongKey.err()).toContain('keys.k1')

    const unknownTable = captureIo(env(test.url), folder)
    expect(await runCli(['encryption', 'rotate', '--table', 'pets'], unknownTable)).toBe(1)
    expect(unknownTable.err()).toContain('pets has no encrypted columns')

    const badFolder = await mkdtemp(join(tmpdir(), 'kt-encryption-cli-bad-'))
    try {
      await writeFile(
        join(badFolder, 'kysely-toolkit.config.ts'),
        "export default { encryption: { tables: { members: { email: { blindIndex: { column: 'email_index', bits: 40 } } } } } }\n",
      )
      const bad = captureIo(env(test.url), badFolder)
      expect(await runCli(['encryption', 'status', '--table', 'members'], bad)).toBe(1)
      expect(bad.err()).toContain('tables.members.email')
      expect(bad.err()).toContain('(got 40)')
      await writeFile(join(badFolder, 'kysely-toolkit.config.ts'), 'export default {}\n')
      const missing = captureIo(env(test.url), badFolder)
      expect(await runCli(['encryption', 'status', '--table', 'members'], missing)).toBe(2)
      expect(missing.err()).toContain('has no encryption section')
      noKeyMaterial(noKeys.err() + wrongKey.err() + unknownTable.err() + bad.err() + missing.err())
    } finally {
      await rm(badFolder, { recursive: true, force: true })
    }
  })
})
