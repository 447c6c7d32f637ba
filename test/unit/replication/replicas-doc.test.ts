import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))
const MARKER = /<!-- region: ([\w./-]+)#([\w-]+) -->\n```ts\n([\s\S]*?)```\n<!-- endregion -->/g

/** The text between `// #region name` and `// #endregion name` in a docs example file. */
function regionOf(file: string, name: string): string {
  const source = readFileSync(`${DOCS}${file}`, 'utf8')
  const match = new RegExp(`// #region ${name}\\n([\\s\\S]*?)// #endregion ${name}\\n`).exec(source)
  if (match === null) throw new Error(`${file} has no region ${name}`)
  return match[1]!
}

describe('docs/replicas.md', () => {
  it('shows each example exactly as the file the tests run has it', () => {
    const blocks = [...readFileSync(`${DOCS}replicas.md`, 'utf8').matchAll(MARKER)]
    expect(blocks.length).toBeGreaterThanOrEqual(7)
    for (const [, file, name, code] of blocks) expect(code, `${file}#${name}`).toBe(regionOf(file!, name!))
  })
})
