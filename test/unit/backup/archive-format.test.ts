import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlockFormatError, decodeBlocks, encodeBlock } from '../../../src/backup/archive-format.js'
import { columnLiteralExpression } from '../../../src/backup/row-expression.js'
import { stripDefiner } from '../../../src/backup/schema-reader.js'

async function* chunked(buffer: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let offset = 0
  let index = 0
  while (offset < buffer.length) {
    const size = Math.max(1, sizes[index++ % sizes.length] ?? 1)
    yield buffer.subarray(offset, offset + size)
    offset += size
  }
}

async function collect(source: AsyncIterable<Buffer>) {
  const blocks = []
  for await (const block of decodeBlocks(source))
    blocks.push({ header: block.header, payload: block.payload.toString('utf8') })
  return blocks
}

describe(decodeBlocks.name, () => {
  it('decodes what encodeBlock framed, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        async (payloads, sizes) => {
          const blocks = payloads.map((payload, index) => ({
            header: { kind: 'rows' as const, table: `t${index}\n"`, rows: index },
            payload,
          }))
          const bytes = Buffer.concat(
            blocks.map((block) => encodeBlock(block.header, Buffer.from(block.payload))),
          )
          expect(await collect(chunked(bytes, sizes))).toEqual(blocks)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('rejects a stream that ends in the middle of a block', async () => {
    const bytes = encodeBlock({ kind: 'table', name: 'users' }, Buffer.from('CREATE TABLE users (id INT)'))
    await expect(collect(chunked(bytes.subarray(0, bytes.length - 5), [7]))).rejects.toThrow(BlockFormatError)
  })

  it('rejects a block whose length does not match its header', async () => {
    const good = encodeBlock({ kind: 'table', name: 'users' }, Buffer.from('abc'))
    const bad = Buffer.from(good.toString('utf8').replace('"bytes":3', '"bytes":2'))
    await expect(collect(chunked(bad, [100]))).rejects.toThrow(/wrong length/)
  })

  it('rejects a header that is not one of ours', async () => {
    await expect(
      collect(chunked(Buffer.from('{"kind":"drop everything","bytes":0}\n\n'), [100])),
    ).rejects.toThrow(/malformed/)
  })
})

describe(stripDefiner.name, () => {
  it.each([
    [
      'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1',
      'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1',
    ],
    [
      "CREATE DEFINER=`we``ird`@`%` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 'DEFINER=`a`@`b`'",
      "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 'DEFINER=`a`@`b`'",
    ],
    [
      'CREATE DEFINER=CURRENT_USER FUNCTION f() RETURNS INT RETURN 1',
      'CREATE FUNCTION f() RETURNS INT RETURN 1',
    ],
    ['CREATE PROCEDURE p() SELECT "DEFINER=`x`@`y`"', 'CREATE PROCEDURE p() SELECT "DEFINER=`x`@`y`"'],
  ])('strips the clause from the head only: %s', (statement, expected) => {
    expect(stripDefiner(statement)).toBe(expected)
  })
})

describe(columnLiteralExpression.name, () => {
  it('formats each kind of column exactly, as a binary string', () => {
    const column = (dataType: string, charset: string | null = null) => ({
      name: 'c`x',
      dataType,
      charset,
      generated: false,
    })
    expect(columnLiteralExpression(column('bigint'))).toBe("IFNULL(`c``x`, _binary'NULL')")
    expect(columnLiteralExpression(column('float'))).toBe("IFNULL(`c``x` + 0e0, _binary'NULL')")
    expect(columnLiteralExpression(column('bit'))).toBe("IFNULL(`c``x` + 0, _binary'NULL')")
    expect(columnLiteralExpression(column('point'))).toBe(
      "IFNULL(CONCAT(_binary'X''', HEX(`c``x`), _binary''''), _binary'NULL')",
    )
    expect(columnLiteralExpression(column('varchar', 'latin1'))).toContain('HEX(')
    expect(columnLiteralExpression(column('varchar', 'utf8mb4'))).toBe('CAST(QUOTE(`c``x`) AS BINARY)')
    expect(columnLiteralExpression(column('datetime'))).toBe('CAST(QUOTE(`c``x`) AS BINARY)')
  })
})
