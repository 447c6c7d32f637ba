import { readdirSync, readFileSync } from 'node:fs'
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

describe('docs code blocks', () => {
  const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'))
  for (const page of pages) {
    const text = readFileSync(`${DOCS}${page}`, 'utf8')
    const blocks = [...text.matchAll(MARKER)]
    if (blocks.length === 0) continue
    it(`${page}: every marked block is the region of the example file it names`, () => {
      for (const [, file, name, code] of blocks) {
        expect(code, `${file}#${name}`).toBe(regionOf(file!, name!))
      }
    })
  }
})
