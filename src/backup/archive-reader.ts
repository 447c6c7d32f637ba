import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { ArchiveCorruptError } from '../error/archive-corrupt-error.js'
import { type Block, BlockFormatError, decodeBlocks } from './archive-format.js'
import { type BackupManifest, readManifest } from './manifest.js'

/** A backup found on disk: its manifest and the paths of both files. */
export interface BackupFiles {
  readonly manifest: BackupManifest
  readonly manifestPath: string
  readonly archivePath: string
}

/**
 * Resolves a backup from the path of its manifest (`.ktb.json`) or of its archive (`.ktb.gz`) and reads the
 * manifest.
 *
 * @throws {ArchiveCorruptError} when the manifest is missing, unreadable or not a kysely-toolkit manifest.
 *
 * @internal
 */
export async function openBackupFiles(path: string): Promise<BackupFiles> {
  const manifestPath = path.endsWith('.ktb.gz') ? `${path.slice(0, -'.ktb.gz'.length)}.ktb.json` : path
  const manifest = await readManifest(manifestPath)
  const archivePath = join(dirname(manifestPath), manifest.archive.file)
  if (`${basename(manifestPath, '.ktb.json')}.ktb.gz` !== manifest.archive.file) {
    throw new ArchiveCorruptError(
      manifestPath,
      `the manifest belongs to ${manifest.archive.file}, not to this file name`,
    )
  }
  return { manifest, manifestPath, archivePath }
}

/**
 * Checks the archive's size and SHA-256 against its manifest by reading it once. Nothing is written anywhere.
 *
 * @throws {ArchiveCorruptError} when the archive is missing, has another size (truncated) or another checksum.
 *
 * @example
 * ```ts
 * import { checkArchive } from 'kysely-toolkit/backup'
 *
 * await checkArchive('./backups/shop-20250101T000000000Z.ktb.json') // throws ArchiveCorruptError when damaged
 * ```
 */
export async function checkArchive(path: string): Promise<BackupFiles> {
  const files = await openBackupFiles(path)
  await checkSize(files)
  checkDigest(files, await hashFile(files.archivePath))
  return files
}

/**
 * {@link checkArchive}, and in the same read of the file every block decoded and handed to `onBlock` (in order), so
 * a restore can look at all its statements before it writes anything.
 *
 * @throws {ArchiveCorruptError} as {@link checkArchive} does, and when the archive cannot be decoded.
 *
 * @internal
 */
export async function checkArchiveBlocks(
  path: string,
  onBlock: (block: Block) => void,
): Promise<BackupFiles> {
  const files = await openBackupFiles(path)
  await checkSize(files)
  const hash = createHash('sha256')
  let failure: unknown
  try {
    for await (const block of readArchiveBlocks(files.archivePath, undefined, (chunk) => hash.update(chunk)))
      onBlock(block)
  } catch (error) {
    failure = error
  }
  // A damaged archive is reported as such, whatever decoding made of it (the hash of a read cut short is re-done).
  checkDigest(files, failure === undefined ? hash.digest('hex') : await hashFile(files.archivePath))
  if (failure !== undefined) throw failure
  return files
}

async function checkSize({ manifest, archivePath }: BackupFiles): Promise<void> {
  let size: number
  try {
    size = (await stat(archivePath)).size
  } catch (error) {
    throw new ArchiveCorruptError(archivePath, 'the archive is missing', { cause: error })
  }
  if (size !== manifest.archive.bytes) {
    throw new ArchiveCorruptError(
      archivePath,
      `the archive has ${size} bytes, the manifest says ${manifest.archive.bytes} (truncated or replaced)`,
    )
  }
}

function checkDigest({ manifest, archivePath }: BackupFiles, actual: string): void {
  if (actual !== manifest.archive.sha256) {
    throw new ArchiveCorruptError(
      archivePath,
      `SHA-256 mismatch (manifest ${manifest.archive.sha256.slice(0, 16)}..., file ${actual.slice(0, 16)}...)`,
    )
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Reads the blocks of an archive, decompressing as it goes (one block in memory at a time). `onBytes` is told the
 * compressed bytes read so far. Decoding problems become {@link ArchiveCorruptError}.
 *
 * @internal
 */
export async function* readArchiveBlocks(
  archivePath: string,
  onBytes?: (bytes: number) => void,
  onChunk?: (chunk: Buffer) => void,
): AsyncGenerator<Block> {
  const file = createReadStream(archivePath, { highWaterMark: 1 << 20 })
  const gunzip = createGunzip({ chunkSize: 1 << 18 })
  file.on('data', (chunk) => {
    onChunk?.(chunk as Buffer)
    onBytes?.(file.bytesRead)
  })
  file.on('error', (error) => gunzip.destroy(error))
  file.pipe(gunzip)
  try {
    yield* decodeBlocks(gunzip)
  } catch (error) {
    if (error instanceof BlockFormatError || (error as { code?: string }).code?.startsWith('Z_')) {
      throw new ArchiveCorruptError(archivePath, `cannot be decoded: ${(error as Error).message}`, {
        cause: error,
      })
    }
    throw error
  } finally {
    file.destroy()
    gunzip.destroy()
  }
}
