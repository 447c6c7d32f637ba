import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

/** The lines between `// #region name` and `// #endregion name`, with their common indentation removed. */
function region(file: string, name: string): string {
  const lines = readFileSync(root + file, 'utf8').split('\n')
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === `// #endregion ${name}`)
  if (start === -1 || end === -1) throw new Error(`${file} has no region ${name}`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(
    ...body.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0),
  )
  return body.map((line) => line.slice(indent)).join('\n')
}

describe('docs snippets', () => {
  for (const page of ['docs/logging.md', 'docs/metrics.md']) {
    it(`${page}: every snippet is its example file's region, as it is`, () => {
      const text = readFileSync(root + page, 'utf8')
      const snippets = [...text.matchAll(/<!-- snippet: ([^#]+)#(\S+) -->\n```ts\n([\s\S]*?)\n```/g)]
      expect(snippets.length).toBeGreaterThan(1)
      for (const [, file, name, code] of snippets) {
        expect(code, `${page} ${file}#${name}`).toBe(region(file as string, name as string))
      }
      // No snippet marker without a code block after it.
      expect(text.match(/<!-- snippet:/g)?.length).toBe(snippets.length)
    })
  }
})
