import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listBackups, pruneBackups } from '../../../src/backup/index.js'
import { InvalidOptionsError } from '../../../src/error/invalid-options-error.js'

const NOW = new Date('2025-06-15T12:00:00.000Z')
const DAY = 86_400_000
let directory: string

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kt-prune-'))
})
afterEach(async () => {
  await rm(directory, { recursive: true, force: true })
})

/** Writes a backup's two files as createBackup would name them, `ageDays` old. Returns its base name. */
async function fakeBackup(prefix: string, ageDays: number): Promise<string> {
  const created = new Date(NOW.getTime() - ageDays * DAY)
  const base = `${prefix}-${created.toISOString().replace(/[-:]/g, '').replace('.', '')}`
  const archive = Buffer.from(`archive of ${base}`)
  await writeFile(join(directory, `${base}.ktb.gz`), archive)
  const manifest = {
    format: 'kysely-toolkit-backup',
    version: 1,
    engine: 'builtin',
    database: prefix,
    server: { version: '10.11.0-MariaDB' },
    createdAt: created.toISOString(),
    finishedAt: created.toISOString(),
    consistency: { mode: 'single', connections: 1, lockMs: null },
    archive: {
      file: `${base}.ktb.gz`,
      bytes: archive.length,
      uncompressedBytes: null,
      sha256: createHash('sha256').update(archive).digest('hex'),
      compression: 'gzip',
    },
    rows: 0,
    tables: [],
    views: [],
    routines: [],
    triggers: [],
    events: [],
    warnings: [],
  }
  await writeFile(join(directory, `${base}.ktb.json`), JSON.stringify(manifest))
  return base
}

const FOREIGN_FILES = {
  'notes.txt': 'not a backup',
  'shop-20200101T000000000Z.ktb.json': JSON.stringify({ format: 'someone-else' }),
  'shop-20200101T000000000Z.ktb.gz': 'an archive with no manifest of ours',
  'shop-20190101T000000000Z.ktb.gz': 'an orphan archive',
  'random.ktb.json': '{}',
}

async function addForeignFiles(): Promise<void> {
  for (const [name, content] of Object.entries(FOREIGN_FILES)) await writeFile(join(directory, name), content)
}

async function remaining(): Promise<string[]> {
  return (await readdir(directory)).sort()
}

// The tests share one directory, so they run one after another (the unit project runs tests concurrently).
describe(pruneBackups.name, { concurrent: false }, () => {
  it('keeps the newest N per prefix and deletes only its own files', async () => {
    const shop = await Promise.all([1, 2, 3, 4].map((age) => fakeBackup('shop', age)))
    const bank = await Promise.all([1, 9].map((age) => fakeBackup('bank', age)))
    await addForeignFiles()
    const result = await pruneBackups(directory, { keepLast: 2, now: NOW })
    expect(result.deleted.map((entry) => entry.manifestPath).sort()).toEqual(
      [shop[2], shop[3]].map((base) => join(directory, `${base}.ktb.json`)).sort(),
    )
    expect(await remaining()).toEqual(
      [
        ...Object.keys(FOREIGN_FILES),
        ...[shop[0], shop[1], bank[0], bank[1]].flatMap((base) => [`${base}.ktb.gz`, `${base}.ktb.json`]),
      ].sort(),
    )
  })

  it('keeps those younger than D days, and always the newest good backup', async () => {
    const [newest, second, old] = await Promise.all([2, 3, 10].map((age) => fakeBackup('shop', age)))
    const young = await pruneBackups(directory, { keepDays: 4, now: NOW, dryRun: true })
    expect(young.kept.map((entry) => entry.manifestPath)).toEqual(
      [newest, second].map((base) => join(directory, `${base}.ktb.json`)),
    )
    expect(young.deleted.map((entry) => entry.manifestPath)).toEqual([join(directory, `${old}.ktb.json`)])
    expect((await remaining()).length).toBe(6) // dry run
    const allOld = await pruneBackups(directory, { keepDays: 1, now: NOW })
    expect(allOld.kept.map((entry) => entry.manifestPath)).toEqual([join(directory, `${newest}.ktb.json`)])
    expect(await remaining()).toEqual([`${newest}.ktb.gz`, `${newest}.ktb.json`])
  })

  it('keeps by either rule when both are given', async () => {
    const bases = await Promise.all([1, 2, 5, 6].map((age) => fakeBackup('shop', age)))
    const result = await pruneBackups(directory, { keepLast: 1, keepDays: 3, now: NOW })
    expect(result.kept.length).toBe(2)
    expect(result.deleted.map((entry) => entry.manifestPath)).toEqual(
      [bases[2], bases[3]].map((base) => join(directory, `${base}.ktb.json`)),
    )
  })

  it('never counts a damaged backup as the newest good one, and deletes damaged ones only when asked', async () => {
    const [damaged, good, old] = await Promise.all([1, 2, 3].map((age) => fakeBackup('shop', age)))
    await unlink(join(directory, `${damaged}.ktb.gz`))
    const listed = await listBackups(directory)
    expect(listed.map((entry) => entry.status)).toEqual(['damaged', 'ok', 'ok'])
    const kept = await pruneBackups(directory, { keepLast: 1, now: NOW })
    expect(kept.kept.map((entry) => entry.manifestPath)).toEqual(
      [damaged, good].map((base) => join(directory, `${base}.ktb.json`)),
    )
    expect(kept.deleted.map((entry) => entry.manifestPath)).toEqual([join(directory, `${old}.ktb.json`)])
    const cleaned = await pruneBackups(directory, { keepLast: 1, deleteDamaged: true, now: NOW })
    expect(cleaned.deleted.map((entry) => entry.manifestPath)).toEqual([
      join(directory, `${damaged}.ktb.json`),
    ])
    expect(await remaining()).toEqual([`${good}.ktb.gz`, `${good}.ktb.json`])
  })

  it('refuses a policy that keeps nothing or bad numbers', async () => {
    await expect(pruneBackups(directory, {})).rejects.toThrow(InvalidOptionsError)
    await expect(pruneBackups(directory, { keepLast: 0 })).rejects.toThrow(
      /keepLast must be a whole number, 1 or more \(got 0\)/,
    )
    await expect(pruneBackups(directory, { keepDays: -1 })).rejects.toThrow(
      /keepDays must be a positive number of days/,
    )
  })
})
