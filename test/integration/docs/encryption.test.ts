import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { describe, expect, inject, it } from 'vitest'
import {
  checkedAgainstMetadata,
  type DB,
  encryptionSetup,
  petsOfUsers,
  rotateUsers,
  withCamelCase,
} from '../../../docs/examples/encryption.js'
import { runCli } from '../../../src/cli/run-cli.js'
import { createKeyring, EncryptionPlugin, readKeysFromEnv } from '../../../src/plugin/encryption/index.js'
import { createTestDatabase } from '../../../src/testing/index.js'
import { captureIo } from '../../helpers/capture-io.js'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))
const read = (path: string) => readFileSync(`${DOCS}${path}`, 'utf8')

/** The lines of a VitePress region (`// #region name` or `# region name`) of a docs example file. */
function region(file: string, name: string): string[] {
  const lines = read(file).split('\n')
  const start = lines.findIndex(
    (line) => /^(\/\/ #|# )region /.test(line.trim()) && line.trim().endsWith(` ${name}`),
  )
  const end = lines.findIndex(
    (line, index) =>
      index > start && /^(\/\/ #|# )endregion /.test(line.trim()) && line.trim().endsWith(` ${name}`),
  )
  if (start < 0 || end < 0) throw new Error(`${file} has no region ${name}`)
  return lines.slice(start + 1, end)
}

const oldKey = randomBytes(32).toString('base64')
const newKey = randomBytes(32).toString('base64')
const blindIndexKey = randomBytes(32).toString('base64')

describe('docs/encryption.md', () => {
  it('includes only regions and files that exist, and shows no hand-copied TypeScript', () => {
    const page = read('encryption.md')
    const includes = [...page.matchAll(/^<<< @\/(examples\/[\w./-]+?)(?:#([\w-]+))?(?: \{\w+\})?$/gm)]
    expect(includes.length).toBeGreaterThanOrEqual(8)
    for (const [, file, name] of includes) {
      expect(existsSync(`${DOCS}${file}`), file).toBe(true)
      if (name !== undefined) expect(region(file!, name).length, `${file}#${name}`).toBeGreaterThan(0)
    }
    expect(page).not.toMatch(/^```(ts|sh|sql)$/m)
  })

  it('runs the page: set-up, nested relations, CamelCasePlugin, metadata check, rotation by code and by CLI', async () => {
    await using test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktencdocs' })
    for (const statement of read('examples/encryption-schema.sql').split(';')) {
      if (statement.trim()) await sql.raw(statement).execute(test.db)
    }
    await sql`create table user_profiles (id int primary key, social_security_number varchar(120) null)`.execute(
      test.db,
    )

    // The opening example, with the old key current.
    const oldEnv = { ENCRYPTION_KEYS: `2024-11:${oldKey}`, BLIND_INDEX_KEY: blindIndexKey }
    const { encryption, db, ada } = await encryptionSetup(test.url, oldEnv)
    try {
      expect(ada).toMatchObject({ id: 1, ssn: '123-45-6789', email: 'Ada@example.com' })
      expect(ada?.email_index).toBe(encryption.blindIndex('users', 'email', 'ada@example.com'))
      const stored = await sql<{ ssn: string }>`select ssn from users`.execute(test.db)
      expect(stored.rows[0]?.ssn).toMatch(/^kt1:2024-11:/)
      expect(await petsOfUsers(db)).toEqual([{ id: 1, pets: [{ name: 'Rex', chip: 'CHIP-123' }] }])
    } finally {
      await db.destroy()
    }

    const keyring = createKeyring({ keys: readKeysFromEnv({ env: oldEnv }) })
    const camel = await withCamelCase(new MysqlDialect({ pool: createPool(test.url) }), keyring)
    expect(camel).toEqual([{ id: 1, socialSecurityNumber: '123-45-6789' }])

    const checked = checkedAgainstMetadata(keyring)
    expect(checked.check.problems).toEqual([])
    expect(checked.warnings).toEqual([
      expect.stringMatching(/^users\.ssn is varchar\(255\): encrypted, it holds/),
    ])

    // Rotation from code: the new key current, the old one beside it.
    const rotatedEnv = {
      ENCRYPTION_KEYS: `2025-06:${newKey},2024-11:${oldKey}`,
      BLIND_INDEX_KEY: blindIndexKey,
    }
    const current = new EncryptionPlugin<DB>({
      keyring: createKeyring({ keys: readKeysFromEnv({ env: rotatedEnv }) }),
      tables: { users: encryptionTables(), pets: { chip: true } },
    })
    const rotating = test.db.withPlugin(current) as unknown as Kysely<DB>
    const { result, left, progress } = await rotateUsers(rotating, current)
    expect(result).toMatchObject({ rotated: 1, currentKeyId: '2025-06' })
    expect(left.rows).toBe(0)
    expect(progress).toEqual([
      'users: 1 re-encrypted, 0 skipped',
      '1 rows now on 2025-06; 0 left on old keys',
    ])

    // Rotation from the command line, as the page shows it, after a row written under the old key.
    const old = new EncryptionPlugin<DB>({
      keyring: createKeyring({ keys: readKeysFromEnv({ env: oldEnv }) }),
      tables: { users: encryptionTables() },
    })
    await (test.db.withPlugin(old) as unknown as Kysely<DB>)
      .insertInto('users')
      .values({ id: 2, ssn: '987-65-4321', email: ' Grace@Example.com ' })
      .execute()
    const script = region('examples/encryption-cli/rotate.sh', 'cli')
    const exported = script.find((line) => line.startsWith('export '))
    for (const variable of ['ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'DATABASE_URL'])
      expect(exported).toContain(`${variable}=`)
    const commands = script
      .filter((line) => line.startsWith('kysely-toolkit '))
      .map((line) => line.replace(/#.*$/, '').trim().split(/\s+/).slice(1))
    expect(commands.map((argv) => argv.slice(0, 2).join(' '))).toEqual([
      'encryption status',
      'encryption rotate',
      'encryption rotate',
    ])
    const outputs: string[] = []
    for (const argv of commands) {
      const io = captureIo({ ...rotatedEnv, DATABASE_URL: test.url }, `${DOCS}examples/encryption-cli`)
      expect(await runCli(argv, io), `${argv.join(' ')}: ${io.err()}`).toBe(0)
      outputs.push(io.out())
    }
    expect(outputs[0]).toContain('users: 1 row(s) with values on old keys (current key 2025-06)')
    expect(outputs[1]).toContain('users: 1 row(s) re-encrypted to key 2025-06')
    expect(outputs[1]).toContain('0 row(s) left on old keys')
    expect(JSON.parse(outputs[2]!)).toMatchObject({ rotated: 0, remainingOnOldKeys: 0 })
    // The config's blind-index options match the application's: the rotated row is found by its e-mail.
    expect(
      await rotating
        .selectFrom('users')
        .select(['id', 'ssn'])
        .where('email', '=', 'grace@example.com')
        .execute(),
    ).toEqual([{ id: 2, ssn: '987-65-4321' }])
  })
})

/** The opening example's `users` options (the CLI config repeats them). */
function encryptionTables() {
  return {
    ssn: { maxPlaintextBytes: 11 },
    email: {
      blindIndex: {
        column: 'email_index',
        bits: 18,
        transform: (value: unknown) => String(value).trim().toLowerCase(),
      },
    },
  } as const
}
