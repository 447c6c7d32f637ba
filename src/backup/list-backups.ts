import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ArchiveCorruptError } from '../error/archive-corrupt-error.js'
import { BACKUP_FILE_PATTERN, type BackupManifest, readManifest } from './manifest.js'

/**
 * The state of a backup on disk, as {@link listBackups} reports it.
 *
 * @example
 * ```ts
 * const damaged = (await listBackups('./backups')).filter((backup) => backup.status === 'damaged')
 * ```
 */
export const BACKUP_STATUSES = ['ok', 'damaged'] as const
/** A status from {@link BACKUP_STATUSES}. */
export type BackupStatus = (typeof BACKUP_STATUSES)[number]

/** One backup found by {@link listBackups}. */
export interface BackupEntry {
  /** The file name prefix (by default the database name): retention counts backups per prefix. */
  readonly prefix: string
  readonly manifestPath: string
  readonly archivePath: string
  readonly manifest: BackupManifest
  readonly createdAt: Date
  /** `ok` when the archive is there with the size (and, if checked, the SHA-256) its manifest gives. */
  readonly status: BackupStatus
  /** What is wrong with a damaged backup. */
  readonly problem: string | null
}

/** Options of {@link listBackups}. */
export interface ListBackupsOptions {
  /** Also check every archive's SHA-256 (reads every archive in full). Defaults to `false` (size only). */
  readonly checksums?: boolean
}

/**
 * Lists the kysely-toolkit backups in a directory, newest first. A backup is a `<prefix>-<time>.ktb.json`
 * manifest that parses as one of ours and names its `.ktb.gz` archive; other files are ignored, and archives
 * without a manifest (a failed or running backup) are not backups.
 *
 * @example
 * ```ts
 * import { listBackups } from 'kysely-toolkit/backup'
 *
 * for (const backup of await listBackups('./backups')) {
 *   console.log(backup.createdAt.toISOString(), backup.status, backup.manifest.rows)
 * }
 * ```
 */
export async function listBackups(
  directory: string,
  options: ListBackupsOptions = {},
): Promise<BackupEntry[]> {
  const folder = resolve(directory)
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw error
  })
  const entries: BackupEntry[] = []
  for (const name of names) {
    const match = BACKUP_FILE_PATTERN.exec(name)
    if (match?.[3] !== 'json') continue
    const manifestPath = join(folder, name)
    let manifest: BackupManifest
    try {
      manifest = await readManifest(manifestPath)
    } catch (error) {
      if (ArchiveCorruptError.is(error)) continue
      throw error
    }
    const baseName = name.slice(0, -'.ktb.json'.length)
    if (manifest.archive.file !== `${baseName}.ktb.gz`) continue
    const archivePath = join(folder, manifest.archive.file)
    const problem = await archiveProblem(archivePath, manifest, options.checksums ?? false)
    entries.push(
      Object.freeze({
        prefix: match[1]!,
        manifestPath,
        archivePath,
        manifest,
        createdAt: new Date(manifest.createdAt),
        status: problem === null ? 'ok' : 'damaged',
        problem,
      }),
    )
  }
  return entries.sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.manifestPath.localeCompare(a.manifestPath),
  )
}

async function archiveProblem(
  path: string,
  manifest: BackupManifest,
  checksums: boolean,
): Promise<string | null> {
  const size = await stat(path).then(
    (info) => info.size,
    () => null,
  )
  if (size === null) return 'the archive is missing'
  if (size !== manifest.archive.bytes)
    return `the archive has ${size} bytes, the manifest says ${manifest.archive.bytes}`
  if (!checksums) return null
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex') === manifest.archive.sha256
    ? null
    : 'the archive SHA-256 does not match the manifest'
}
