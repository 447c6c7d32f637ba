import { StringDecoder } from 'node:string_decoder'
import { CrossDatabaseStatementError } from '../error/cross-database-statement-error.js'
import type { Block, ObjectBlock } from './archive-format.js'
import { readObjectHead, requalifyReferences } from './schema-references.js'
import { quoteIdentifier } from './server-connection.js'

/**
 * The statement a restore runs for an object block: the archived statement with every reference to the backed-up
 * database (`from`, the archive header's) rewritten to `to`, the database it is created in, so it lands in, and
 * refers to, that database and never the source.
 *
 * @internal
 */
export function objectStatement(header: ObjectBlock, payload: Buffer, from: string, to: string): string {
  return requalifyReferences(payload.toString('utf8'), from, to, header.sqlMode)
}

/**
 * Collects, block by block, the statements of an archive that would still write to another database than the one
 * restored into, and throws {@link CrossDatabaseStatementError} naming all of them at the end. Run over the whole
 * archive before a restore writes anything.
 *
 * - a table block must be `CREATE TABLE <its name> (`, a rows block `INSERT INTO <its table> (`, as the backup
 *   writes them (unqualified);
 * - an object block must be a CREATE statement of its kind whose object (and a trigger's table) is unqualified or
 *   in `loadInto` (the restore's temporary database, a random name) once the references to the backed-up database
 *   are rewritten to it.
 *
 * - a dump engine's script is the dump program's own text, loaded by the client; mysqldump and mariadb-dump write a
 *   trigger as SHOW CREATE TRIGGER gives it, which on MariaDB is as written (`TRIGGER shop.t ... ON shop.orders`),
 *   and nothing can rewrite a script cut anywhere into blocks, so a script trigger qualified by any database is
 *   refused (its other statements are not checked).
 *
 * @internal
 */
export class RestoreStatementCheck {
  readonly #target: string
  readonly #loadInto: string
  readonly #refused: string[] = []
  readonly #decoder = new StringDecoder('utf8')
  #database: string | undefined
  #scriptLine = ''

  constructor(target: string, loadInto: string) {
    this.#target = target
    this.#loadInto = loadInto
  }

  /** Looks at one block (in archive order: the header first). */
  inspect(block: Block): void {
    const { header } = block
    switch (header.kind) {
      case 'header':
        this.#database = header.database
        return
      case 'table':
        if (!startsWith(block.payload, `CREATE TABLE ${quoteIdentifier(header.name)} (`))
          this.#refuse(`table ${header.name}: not a CREATE TABLE of that table alone`)
        return
      case 'rows':
        if (!startsWith(block.payload, `INSERT INTO ${quoteIdentifier(header.table)} (`))
          this.#refuse(`rows of ${header.table}: not an INSERT INTO that table alone`)
        return
      case 'script':
        this.#inspectScript(block.payload, false)
        return
      case 'end':
        this.#inspectScript(Buffer.alloc(0), true)
        return
      default: {
        const statement = objectStatement(header, block.payload, this.#database ?? '', this.#loadInto)
        const head = readObjectHead(statement, header.kind, header.sqlMode)
        if (head === undefined) {
          this.#refuse(`${header.kind} ${header.name}: not a CREATE ${header.kind.toUpperCase()} statement`)
          return
        }
        const elsewhere = (schema: string | undefined) => schema !== undefined && schema !== this.#loadInto
        if (elsewhere(head.name.schema))
          this.#refuse(`${header.kind} ${header.name}: created in database ${head.name.schema}`)
        if (head.table !== undefined && elsewhere(head.table.schema))
          this.#refuse(`${header.kind} ${header.name}: on table ${head.table.schema}.${head.table.name}`)
      }
    }
  }

  /** @throws {CrossDatabaseStatementError} when any block was refused. */
  finish(): void {
    if (this.#refused.length > 0) throw new CrossDatabaseStatementError(this.#target, this.#refused)
  }

  /** Looks at the script's trigger lines (`/*!50003 CREATE*\/ ... TRIGGER`), carrying a cut line to the next block. */
  #inspectScript(payload: Buffer, last: boolean): void {
    const text = this.#scriptLine + this.#decoder.write(payload) + (last ? this.#decoder.end() : '')
    const lines = text.split('\n')
    this.#scriptLine = last ? '' : lines.pop()!
    // A line of rows may be megabytes long: only the start of a line can make it a trigger line.
    if (this.#scriptLine.length > MAX_TRIGGER_LINE && !this.#scriptLine.startsWith(TRIGGER_LINE))
      this.#scriptLine = this.#scriptLine.slice(0, TRIGGER_LINE.length)
    for (const line of lines) {
      if (!line.startsWith(TRIGGER_LINE)) continue
      const head = readObjectHead(line, 'trigger', null)
      if (head === undefined) continue
      for (const part of [head.name, head.table]) {
        if (part?.schema !== undefined)
          this.#refuse(
            `trigger ${head.name.name}: the dump program wrote it as ${part.schema}.${part.name}, which would write to database ${part.schema} (back up with the builtin engine, which rewrites it)`,
          )
      }
    }
  }

  #refuse(reason: string): void {
    this.#refused.push(reason)
  }
}

/** How mysqldump and mariadb-dump start the line of a trigger. */
const TRIGGER_LINE = '/*!50003 CREATE*/'
const MAX_TRIGGER_LINE = 1 << 20

function startsWith(payload: Buffer, prefix: string): boolean {
  const bytes = Buffer.from(prefix, 'utf8')
  return payload.length >= bytes.length && payload.subarray(0, bytes.length).equals(bytes)
}
