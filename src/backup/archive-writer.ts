import { createHash, randomBytes } from 'node:crypto'
import { access, type FileHandle, link, open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { type BlockHeader, encodeBlock } from './archive-format.js'

const gzipAsync = promisify(gzip)

/** Blocks being compressed or waiting to be written; bounds memory to a few statements. */
const MAX_BLOCKS_IN_FLIGHT = 6

/**
 * Writes an archive under a temporary name (mode 0600, created exclusively). Each block is gzip-compressed as its
 * own member on libuv's thread pool (several at once, off the main thread) and appended in the order written;
 * the SHA-256 of the file is computed as it is written. `commit` renames it into place; `abort` deletes it.
 *
 * @internal
 */
export class ArchiveWriter {
  readonly temporaryPath: string
  readonly #handle: FileHandle
  readonly #level: number
  readonly #hash = createHash('sha256')
  #chain: Promise<void> = Promise.resolve()
  #inFlight = 0
  readonly #waiters: (() => void)[] = []
  #failure: unknown
  #bytes = 0
  #uncompressedBytes = 0
  #blocks = 0
  #closed = false

  private constructor(temporaryPath: string, handle: FileHandle, level: number) {
    this.temporaryPath = temporaryPath
    this.#handle = handle
    this.#level = level
  }

  static async create(directory: string, fileName: string, level: number): Promise<ArchiveWriter> {
    const temporaryPath = join(directory, `.${fileName}.partial-${randomBytes(4).toString('hex')}`)
    const handle = await open(temporaryPath, 'wx', 0o600)
    return new ArchiveWriter(temporaryPath, handle, level)
  }

  /** Compressed bytes written so far. */
  get bytes(): number {
    return this.#bytes
  }

  /** Uncompressed bytes accepted so far. */
  get uncompressedBytes(): number {
    return this.#uncompressedBytes
  }

  /** Blocks accepted so far. */
  get blocks(): number {
    return this.#blocks
  }

  /** Queues a block; waits while too many blocks are in flight (backpressure). Throws a past write failure. */
  async write(header: BlockHeader, payload?: Buffer): Promise<void> {
    while (this.#inFlight >= MAX_BLOCKS_IN_FLIGHT && this.#failure === undefined) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve)
      })
    }
    if (this.#failure !== undefined) throw this.#failure
    const block = encodeBlock(header, payload)
    this.#uncompressedBytes += block.length
    this.#blocks++
    this.#inFlight++
    const compressed = gzipAsync(block, { level: this.#level })
    compressed.catch(() => {})
    this.#chain = this.#chain
      .then(async () => {
        if (this.#failure !== undefined) return
        const member = await compressed
        await this.#writeFully(member)
        this.#hash.update(member)
        this.#bytes += member.length
      })
      .catch((error: unknown) => {
        this.#failure ??= error
      })
      .finally(() => {
        this.#inFlight--
        // Wake every waiter: each checks again (a failure must reach all of them).
        for (const wake of this.#waiters.splice(0)) wake()
      })
  }

  async #writeFully(buffer: Buffer): Promise<void> {
    let offset = 0
    while (offset < buffer.length) {
      const { bytesWritten } = await this.#handle.write(buffer, offset, buffer.length - offset)
      offset += bytesWritten
    }
  }

  /** Waits for every block, flushes to disk and closes the file. Returns its size and SHA-256. */
  async finish(): Promise<{ bytes: number; sha256: string }> {
    await this.#chain
    if (this.#failure !== undefined) throw this.#failure
    await this.#handle.sync()
    await this.#close()
    return { bytes: this.#bytes, sha256: this.#hash.digest('hex') }
  }

  /** Moves the finished archive to `finalPath`, which must not exist. */
  async commit(finalPath: string): Promise<void> {
    await renameWithoutReplacing(this.temporaryPath, finalPath)
  }

  /** Stops and deletes the temporary file. Never throws. */
  async abort(): Promise<void> {
    this.#failure ??= new Error('aborted')
    await this.#chain.catch(() => {})
    await this.#close().catch(() => {})
    await unlink(this.temporaryPath).catch(() => {})
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#handle.close()
  }
}

/**
 * Writes `content` to `path` atomically: a temporary file (mode 0600, fsynced) renamed over it, then the directory
 * fsynced, so a crash leaves either nothing or the whole file.
 *
 * @internal
 */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const temporaryPath = `${path}.partial-${randomBytes(4).toString('hex')}`
  const handle = await open(temporaryPath, 'wx', 0o600)
  try {
    await handle.writeFile(content, 'utf8')
    await handle.sync()
  } catch (error) {
    await handle.close().catch(() => {})
    await unlink(temporaryPath).catch(() => {})
    throw error
  }
  await handle.close()
  try {
    await renameWithoutReplacing(temporaryPath, path)
  } catch (error) {
    await unlink(temporaryPath).catch(() => {})
    throw error
  }
}

/**
 * Renames `from` to `to`, failing with EEXIST instead of replacing an existing file (a hard link, then the
 * temporary name removed; a plain rename after an existence check where hard links are not supported).
 *
 * @internal
 */
export async function renameWithoutReplacing(from: string, to: string): Promise<void> {
  try {
    await link(from, to)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error
    const exists = await access(to).then(
      () => true,
      () => false,
    )
    if (exists) throw Object.assign(new Error(`${to} already exists`), { code: 'EEXIST' })
    await rename(from, to)
    return
  }
  await unlink(from)
}

/** Flushes a directory's entries (renames) to disk; ignored where directories cannot be opened. @internal */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined)
  if (handle === undefined) return
  await handle.sync().catch(() => {})
  await handle.close().catch(() => {})
}
