import type { CreationContext } from './creation-context.js'

/**
 * The archive: a gzip file (a series of gzip members, one per block, so `zcat` reads it) whose uncompressed
 * content is a series of blocks. Each block is one line of JSON (its header, with the payload's byte length),
 * then the payload, then a newline:
 *
 * ```text
 * {"kind":"header","format":"kysely-toolkit-backup","version":1,"database":"shop",...,"bytes":0}\n\n
 * {"kind":"table","name":"users","bytes":612}\nCREATE TABLE `users` (...)\n
 * {"kind":"rows","table":"users","rows":4211,"bytes":1048101}\nINSERT INTO `users` (...) VALUES (...),(...)\n
 * {"kind":"function","name":"f","sqlMode":"...","bytes":120}\nCREATE FUNCTION ...\n
 * {"kind":"view","name":"v","bytes":88}\nCREATE VIEW ...\n
 * {"kind":"trigger","name":"t","table":"users","sqlMode":"...","context":{...},"bytes":140}\nCREATE TRIGGER ...\n
 * {"kind":"event","name":"e","sqlMode":"...","timeZone":"SYSTEM","bytes":150}\nCREATE EVENT ...\n
 * {"kind":"end","blocks":57,"rows":{"users":4211,...},"bytes":0}\n\n
 * ```
 *
 * Every payload is one complete SQL statement, run as it is; nothing is ever split on `;`.
 */

/** The `format` field of the header block and of the manifest. */
export const ARCHIVE_FORMAT = 'kysely-toolkit-backup'
/** The archive layout version this code writes and reads. */
export const ARCHIVE_VERSION = 1

/** Kinds of schema objects, in the order a restore creates them after the rows. */
export const OBJECT_KINDS = ['function', 'procedure', 'view', 'trigger', 'event'] as const
/** A kind from {@link OBJECT_KINDS}. */
export type ObjectKind = (typeof OBJECT_KINDS)[number]

/** @internal */
export interface HeaderBlock {
  readonly kind: 'header'
  readonly format: typeof ARCHIVE_FORMAT
  readonly version: number
  readonly database: string
  readonly charset: string
  readonly collation: string
  readonly serverVersion: string
  readonly createdAt: string
}

/** @internal */
export interface TableBlock {
  readonly kind: 'table'
  readonly name: string
}

/** @internal */
export interface RowsBlock {
  readonly kind: 'rows'
  readonly table: string
  readonly rows: number
}

/** @internal */
export interface ObjectBlock {
  readonly kind: ObjectKind
  readonly name: string
  readonly table?: string
  readonly sqlMode: string | null
  /**
   * The `time_zone` an event was created in: its STARTS, ENDS and AT times are in that zone and it keeps it
   * (absent in archives written before it was recorded).
   */
  readonly timeZone?: string
  /**
   * The character sets and collations it was created with; it is created with them again (absent in archives
   * written before they were kept: those objects take the restore session's utf8mb4).
   */
  readonly context?: CreationContext
}

/** A piece of a mariadb-dump script (the dump engine's archives); pieces are cut anywhere, not at statements. @internal */
export interface ScriptBlock {
  readonly kind: 'script'
}

/** @internal */
export interface EndBlock {
  readonly kind: 'end'
  readonly blocks: number
  readonly rows: Readonly<Record<string, number>>
}

/** The header line of a block (without its `bytes`). @internal */
export type BlockHeader = HeaderBlock | TableBlock | RowsBlock | ObjectBlock | ScriptBlock | EndBlock

/** A decoded block. @internal */
export interface Block {
  readonly header: BlockHeader
  readonly payload: Buffer
}

const NEWLINE = 0x0a
const EMPTY = Buffer.alloc(0)

/** Frames one block. @internal */
export function encodeBlock(header: BlockHeader, payload: Buffer = EMPTY): Buffer {
  const line = Buffer.from(`${JSON.stringify({ ...header, bytes: payload.length })}\n`, 'utf8')
  const block = Buffer.allocUnsafe(line.length + payload.length + 1)
  line.copy(block, 0)
  payload.copy(block, line.length)
  block[block.length - 1] = NEWLINE
  return block
}

/** The longest header line accepted (headers are small; a longer line means a damaged archive). */
const MAX_HEADER_BYTES = 1 << 20
const KINDS = new Set(['header', 'table', 'rows', 'script', 'end', ...OBJECT_KINDS])

/** A block stream that does not follow the format. @internal */
export class BlockFormatError extends Error {
  override readonly name = 'BlockFormatError'
}

/**
 * Splits the uncompressed archive into blocks, holding at most one block in memory.
 *
 * @internal
 */
export async function* decodeBlocks(chunks: AsyncIterable<Buffer>): AsyncGenerator<Block> {
  let buffered: Buffer[] = []
  let bufferedBytes = 0
  let header: (BlockHeader & { bytes: number }) | undefined
  const take = (count: number): Buffer => {
    const all = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, bufferedBytes)
    const taken = all.subarray(0, count)
    const rest = all.subarray(count)
    buffered = rest.length > 0 ? [rest] : []
    bufferedBytes = rest.length
    return taken
  }
  const findNewline = (): number => {
    let offset = 0
    for (const chunk of buffered) {
      const index = chunk.indexOf(NEWLINE)
      if (index >= 0) return offset + index
      offset += chunk.length
    }
    return -1
  }
  for await (const chunk of chunks) {
    buffered.push(chunk)
    bufferedBytes += chunk.length
    for (;;) {
      if (header === undefined) {
        const newline = findNewline()
        if (newline < 0) {
          if (bufferedBytes > MAX_HEADER_BYTES) throw new BlockFormatError('a block header line is too long')
          break
        }
        const line = take(newline + 1)
        header = parseHeader(line.subarray(0, newline).toString('utf8'))
      }
      if (bufferedBytes < header.bytes + 1) break
      const body = take(header.bytes + 1)
      if (body[header.bytes] !== NEWLINE)
        throw new BlockFormatError(`block ${describe(header)} has the wrong length`)
      const { bytes: _bytes, ...rest } = header
      header = undefined
      // Copy out of the shared buffer so a kept payload does not pin the whole chunk.
      yield { header: rest as BlockHeader, payload: Buffer.from(body.subarray(0, body.length - 1)) }
    }
  }
  if (header !== undefined || bufferedBytes > 0)
    throw new BlockFormatError('the archive ends in the middle of a block')
}

function parseHeader(line: string): BlockHeader & { bytes: number } {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new BlockFormatError(`a block header is not JSON (${JSON.stringify(line.slice(0, 60))})`)
  }
  const candidate = parsed as { kind?: unknown; bytes?: unknown }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof candidate.kind !== 'string' ||
    !KINDS.has(candidate.kind) ||
    typeof candidate.bytes !== 'number' ||
    !Number.isSafeInteger(candidate.bytes) ||
    candidate.bytes < 0
  ) {
    throw new BlockFormatError(`a block header is malformed (${JSON.stringify(line.slice(0, 60))})`)
  }
  return parsed as BlockHeader & { bytes: number }
}

function describe(header: BlockHeader): string {
  switch (header.kind) {
    case 'rows':
      return `rows of ${header.table}`
    case 'header':
    case 'script':
    case 'end':
      return header.kind
    default:
      return `${header.kind} ${header.name}`
  }
}
