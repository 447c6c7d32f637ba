import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli } from '../../../src/cli/run-cli.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { onMysql } from '../../helpers/test-server.js'

const serverUrl = inject('serverUrl')
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const cleanups: (() => Promise<void>)[] = []

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function collector(): Writable & { text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  return Object.assign(stream, { text: () => chunks.join('') })
}

async function codegen(args: string[], cwd: string, databaseUrl: string): Promise<CliResult> {
  const stdout = collector()
  const stderr = collector()
  const code = await runCli(['codegen', ...args], { stdout, stderr, cwd, env: { DATABASE_URL: databaseUrl } })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

async function database(): Promise<TestDatabase<unknown>> {
  const test = await createTestDatabase<unknown>({ serverUrl, prefix: 'cgcli' })
  cleanups.push(() => test.destroy())
  return test
}

/** A project folder with a config file and migrations, removed after the run. */
async function project(config: string, migrations: Record<string, string> = {}): Promise<string> {
  // Inside the repository (its /tmp is git-ignored) so that migrations resolve the 'kysely' package.
  await mkdir(join(REPO_ROOT, 'tmp'), { recursive: true })
  const dir = await mkdtemp(join(REPO_ROOT, 'tmp', 'codegen-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'kysely-toolkit.config.ts'), config)
  if (Object.keys(migrations).length > 0) await mkdir(join(dir, 'migrations'))
  for (const [name, source] of Object.entries(migrations))
    await writeFile(join(dir, 'migrations', name), source)
  return dir
}

const createNotes = `import { sql } from 'kysely'
export async function up(db) {
  await sql\`create table notes (id int unsigned not null auto_increment primary key, body varchar(200) not null)\`.execute(db)
}
export async function down(db) { await sql\`drop table notes\`.execute(db) }
`
const PROJECT_CONFIG = `export default { migrations: { folder: './migrations' }, codegen: { outDir: './generated' } }\n`

describe('kysely-toolkit codegen', () => {
  let example: TestDatabase<unknown>

  beforeAll(async () => {
    example = await database()
  })

  it('--check passes for the repository config against a database migrated from example/migrations', async () => {
    const result = await codegen(['--check'], REPO_ROOT, example.url)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('applied 2024-01-01T00-00-00_create_users')
    expect(result.stdout).toContain('fresh    example/generated/db.ts')
    expect(result.stdout).toContain('fresh    example/generated/metadata.ts')
    expect(result.stdout).toContain('fresh    example/generated/zod.ts')
    // The committed files are what every server generates from these migrations; the check names the one it asked.
    expect(result.stdout).toMatch(
      /generated files are up to date \(as codegen generates them on (MySQL|MariaDB) [\d.]+\)/,
    )
    expect(result.stdout).toContain(onMysql ? 'on MySQL ' : 'on MariaDB ')
    expect(result.code).toBe(0)
    const metadata = await readFile(join(REPO_ROOT, 'example/generated/metadata.ts'), 'utf8')
    expect(metadata).not.toContain('kysely_migration')
  })

  it('--check exits 1 with a short diff summary when a migration was added without codegen', async () => {
    const test = await database()
    const dir = await project(PROJECT_CONFIG, { '001_notes.ts': createNotes })
    const written = await codegen([], dir, test.url)
    expect(written.code).toBe(0)
    expect(written.stdout).toContain('generated 3 files for 1 tables')
    expect((await codegen(['--check'], dir, test.url)).code).toBe(0)

    await writeFile(
      join(dir, 'migrations', '002_notes_title.ts'),
      `import { sql } from 'kysely'
export async function up(db) { await sql\`alter table notes add column title varchar(80) null\`.execute(db) }
`,
    )
    const stale = await codegen(['--check'], dir, test.url)
    expect(stale.code).toBe(1)
    expect(stale.stdout).toContain('applied 002_notes_title')
    expect(stale.stdout).toMatch(
      /stale {4}generated\/db\.ts: \d+ line\(s\) to add, \d+ to remove; first difference at line \d+/,
    )
    expect(stale.stdout).toContain('stale    generated/metadata.ts')
    expect(stale.stdout).toContain('stale    generated/zod.ts')
    expect(stale.stderr).toContain(
      `generated files are stale: they differ from what codegen generates on ${onMysql ? 'MySQL' : 'MariaDB'} `,
    )
    expect(stale.stderr).toContain('see "Servers" in docs/codegen.md')
    // --check wrote nothing.
    expect(await readFile(join(dir, 'generated/db.ts'), 'utf8')).not.toContain('title')

    expect((await codegen([], dir, test.url)).code).toBe(0)
    expect(await readFile(join(dir, 'generated/db.ts'), 'utf8')).toContain('title: Generated<string | null>;')
    expect((await codegen(['--check'], dir, test.url)).code).toBe(0)
  })

  it('names a failing migration, writes no files, and says what stays applied', async () => {
    const test = await database()
    const dir = await project(PROJECT_CONFIG, {
      '001_notes.ts': createNotes,
      '002_broken.ts': `import { sql } from 'kysely'
export async function up(db) {
  await sql\`create table half_done (id int primary key)\`.execute(db)
  await sql\`alter table no_such_table add column x int\`.execute(db)
}
`,
    })
    const result = await codegen([], dir, test.url)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Migration 002_broken failed:')
    expect(result.stderr).toContain("no_such_table' doesn't exist")
    expect(result.stderr).toContain('applied before it: 001_notes')
    expect(result.stderr).toContain('No files were written')
    expect(existsSync(join(dir, 'generated'))).toBe(false)
    // What "rolled back" can mean on MySQL/MariaDB: the DDL that ran before the error stays; the migration is not recorded.
    const tables = await sql<{ name: string }>`
      select TABLE_NAME as name from information_schema.TABLES where TABLE_SCHEMA = database() order by TABLE_NAME`.execute(
      test.db,
    )
    expect(tables.rows.map((row) => row.name)).toContain('half_done')
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      test.db,
    )
    expect(applied.rows.map((row) => row.name)).toEqual(['001_notes'])
  })

  it('reports an unreachable database in one clear line and writes nothing', async () => {
    const dir = await project(PROJECT_CONFIG, { '001_notes.ts': createNotes })
    const result = await codegen([], dir, 'mysql://app:secret@127.0.0.1:1/shop')
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(
      /^kysely-toolkit codegen: Cannot connect to the database app@127\.0\.0\.1:1\/shop: ECONNREFUSED \(/,
    )
    expect(result.stderr).not.toContain('secret')
    expect(existsSync(join(dir, 'generated'))).toBe(false)
  })

  it('rejects a config file with a wrong field, naming it', async () => {
    const dir = await project(
      `export default { codegen: { camelCase: 'yes', outdir: './x', types: { bigint: 'number' } } }\n`,
    )
    const result = await codegen([], dir, example.url)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('codegen.camelCase must be true or false (got "yes")')
    expect(result.stderr).toContain('codegen.outdir is not a known option')
    expect(result.stderr).toContain(`codegen.types.bigint must be one of 'string', 'bigint' (got "number")`)
  })

  it('works on a legacy database without a migration folder, and --camel-case overrides the config', async () => {
    const test = await database()
    await sql`create table legacy_orders (order_id bigint unsigned not null primary key, placed_on date not null, is_paid tinyint(1) not null default 0)`.execute(
      test.db,
    )
    const dir = await project(`export default { codegen: { outDir: './generated', camelCase: false } }\n`)
    const result = await codegen(['--camel-case'], dir, test.url)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('no migration folder at migrations: introspecting the schema as it is')
    expect(result.code).toBe(0)
    const types = await readFile(join(dir, 'generated/db.ts'), 'utf8')
    expect(types).toContain('legacyOrders: LegacyOrders;')
    expect(types).toContain('orderId: Int8;')
    expect(types).toContain('placedOn: string;')
    expect(types).toContain('isPaid: Generated<number>;')
    const metadata = await readFile(join(dir, 'generated/metadata.ts'), 'utf8')
    expect(metadata).toContain('camelCase: true,')
    expect(metadata).toContain('primaryKey: ["orderId"],')
    expect(metadata).not.toContain('kysely_migration')
  })

  it('--no-migrate leaves pending migrations alone', async () => {
    const test = await database()
    const dir = await project(PROJECT_CONFIG, { '001_notes.ts': createNotes })
    const result = await codegen(['--no-migrate', '--out-dir', 'elsewhere'], dir, test.url)
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('applied')
    expect(result.stdout).toContain('generated 3 files for 0 tables')
    expect(existsSync(join(dir, 'elsewhere/db.ts'))).toBe(true)
  })

  it('refuses an --out-dir it cannot create, at once, naming the level that failed', async () => {
    const test = await database()
    const dir = await project(PROJECT_CONFIG)
    const started = performance.now()
    // Node's recursive mkdir spins forever under /proc; the command must fail instead.
    const result = await codegen(['--no-migrate', '--out-dir', '/proc/kt-no-such/generated'], dir, test.url)
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'kysely-toolkit codegen: Invalid codegen options: outDir /proc/kt-no-such/generated cannot be created: ENOENT at /proc/kt-no-such\n',
    )
  })
})
