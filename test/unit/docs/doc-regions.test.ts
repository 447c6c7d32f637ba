import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))

/** Languages of code that must come from a tested file: a fenced block in one of them is hand-written. */
const CODE_LANGUAGES = new Set([
  'ts',
  'typescript',
  'mts',
  'cts',
  'tsx',
  'js',
  'javascript',
  'mjs',
  'cjs',
  'jsx',
])

/** A fenced block's opening line: its fence and its info string (```ts, ```ts:line-numbers, ```ts [title]{1,2}). */
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`{[:]*)/

/** A VitePress include: `<<< @/examples/file.ts#region`, with optional `{lines}` or `[title]` after it. */
const INCLUDE = /^ {0,3}<<<\s*(\S+?)(?:#([\w-]+))?(?:\s*\{[^}]*\})?(?:\s*\[[^\]]*\])?\s*$/

interface Include {
  readonly line: number
  readonly path: string
  readonly region: string | undefined
}

/** The hand-written code blocks of a page (line number and language) and its includes. */
function scanPage(markdown: string): {
  handWritten: { line: number; language: string }[]
  includes: Include[]
} {
  const handWritten: { line: number; language: string }[] = []
  const includes: Include[] = []
  const lines = markdown.split('\n')
  let open: string | undefined
  for (const [index, text] of lines.entries()) {
    const fence = FENCE.exec(text)
    if (open !== undefined) {
      if (fence !== null && fence[1]!.startsWith(open) && fence[2] === '') open = undefined
      continue
    }
    if (fence !== null) {
      open = fence[1]!
      const language = fence[2]!.toLowerCase()
      if (CODE_LANGUAGES.has(language)) handWritten.push({ line: index + 1, language })
      continue
    }
    const include = INCLUDE.exec(text)
    if (include !== null) includes.push({ line: index + 1, path: include[1]!, region: include[2] })
  }
  return { handWritten, includes }
}

/** Why an include would not show what the page means (VitePress shows the whole file when a region is missing). */
function includeProblem(page: string, include: Include): string | undefined {
  const file = include.path.startsWith('@/')
    ? resolve(DOCS, include.path.slice(2))
    : resolve(dirname(page), include.path)
  if (!existsSync(file)) return `${include.path} does not exist`
  if (include.region === undefined) return undefined
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
  const marker = (kind: 'region' | 'endregion') =>
    lines.some((line) => new RegExp(`^(//|#) ?#?${kind} ${include.region}$`).test(line))
  if (!marker('region') || !marker('endregion')) return `${include.path} has no region ${include.region}`
  return undefined
}

describe('docs code blocks', () => {
  const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'))

  it('finds the pages', () => {
    expect(pages).toContain('getting-started.md')
    expect(pages.length).toBeGreaterThan(10)
  })

  for (const page of pages) {
    const { handWritten, includes } = scanPage(readFileSync(`${DOCS}${page}`, 'utf8'))

    it(`${page}: has no hand-written TypeScript or JavaScript block (include a region of a tested file)`, () => {
      expect(handWritten.map(({ line, language }) => `${page}:${line} \`\`\`${language}`)).toEqual([])
    })

    it(`${page}: every include names a file and region that exist`, () => {
      const problems = includes
        .map((include) => includeProblem(`${DOCS}${page}`, include))
        .filter((problem) => problem !== undefined)
      expect(problems).toEqual([])
    })
  }
})

describe(scanPage.name, () => {
  it('reports fenced TypeScript and JavaScript blocks in every spelling, and nothing else', () => {
    const page = [
      '# Page',
      '```ts',
      'const a = 1',
      '```',
      '```sh',
      'npm test',
      '```',
      '```typescript [title]',
      '```',
      '~~~js{2}',
      '~~~',
      '````tsx:line-numbers',
      '```ts',
      'nested fences are the outer block’s text',
      '```',
      '````',
      '```text',
      '```',
      '<<< @/examples/file.ts#region',
    ].join('\n')
    const { handWritten, includes } = scanPage(page)
    expect(handWritten).toEqual([
      { line: 2, language: 'ts' },
      { line: 8, language: 'typescript' },
      { line: 10, language: 'js' },
      { line: 12, language: 'tsx' },
    ])
    expect(includes).toEqual([{ line: 19, path: '@/examples/file.ts', region: 'region' }])
  })

  it('reads includes with line highlights and titles', () => {
    expect(scanPage('<<< @/../example/generated/db.ts{3-5} [db.ts]').includes).toEqual([
      { line: 1, path: '@/../example/generated/db.ts', region: undefined },
    ])
  })
})

describe(includeProblem.name, () => {
  const page = `${DOCS}index.md`
  it('accepts an existing file and region', () => {
    expect(includeProblem(page, { line: 1, path: '@/examples/backup.ts', region: 'create' })).toBeUndefined()
  })
  it('reports a missing file or region', () => {
    expect(includeProblem(page, { line: 1, path: '@/examples/missing.ts', region: undefined })).toBe(
      '@/examples/missing.ts does not exist',
    )
    expect(includeProblem(page, { line: 1, path: '@/examples/backup.ts', region: 'nope' })).toBe(
      '@/examples/backup.ts has no region nope',
    )
  })
})
