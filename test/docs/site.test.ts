import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { dirname, extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const site = join(root, 'docs/.vitepress/dist')
const screenshots = join(root, 'test-results/screenshots')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
}

/** Pages opened one by one: heading and a piece of content each (their screenshots are saved). */
const PAGES: [name: string, path: string, heading: string, content: string][] = [
  ['home', '/', 'kysely-toolkit', 'Get started'],
  ['getting-started', '/getting-started', 'Getting started', 'createDatabase<DB>'],
  ['connections', '/connections', 'Connections and the pool', 'acquireTimeoutMs: 2_000'],
  ['testing', '/testing', 'Testing with a real database', "serverUrl: inject('serverUrl')"],
  ['codegen', '/codegen', 'Codegen', "types: { tinyint1: 'boolean' }"],
  ['repositories', '/repositories', 'Repositories', "createRepository(db, shop, 'users')"],
  [
    'transactions',
    '/transactions',
    'Transactions',
    "afterCommit(() => mailer.send(userId, 'Thanks for your order'))",
  ],
  ['errors', '/errors', 'Errors', 'UniqueViolationError.is(error)'],
  ['replicas', '/replicas', 'Read replicas', "from 'kysely-toolkit'"],
  ['logging', '/logging', 'Query logging', 'logPinoStyle(logger)'],
  ['metrics', '/metrics', 'Query metrics', 'registerQueryMetrics(metrics, registry)'],
  ['backup', '/backup', 'Backups', "directory: './backups'"],
  ['encryption', '/encryption', 'Column encryption', 'EncryptionPlugin'],
  ['migration-guide', '/migration-guide', 'Migrating from Sequelize', 'getUserWithOrders'],
]

let server: Server
let browser: Browser
let origin = ''

/** Serves the built site as a static host would (clean URLs: /page → /page.html). */
async function serveSite(): Promise<void> {
  server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    )
    const candidates = [join(site, path), join(site, `${path}.html`), join(site, path, 'index.html')]
    for (const candidate of candidates) {
      if (candidate.startsWith(site) && existsSync(candidate) && (await stat(candidate)).isFile()) {
        response.writeHead(200, { 'content-type': TYPES[extname(candidate)] ?? 'application/octet-stream' })
        response.end(await readFile(candidate))
        return
      }
    }
    response.writeHead(404).end('not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

/** The code VitePress shows for `<<< path#region`: the region without marker lines, dedented (or the whole file). */
async function includedCode(page: string, path: string, region: string | undefined): Promise<string> {
  const file = path.startsWith('@/') ? join(root, 'docs', path.slice(2)) : resolve(dirname(page), path)
  const lines = (await readFile(file, 'utf8')).split('\n')
  const marker = (kind: string) => (line: string) =>
    new RegExp(`^(//|#) ?#?${kind} ${region}$`).test(line.trim())
  const start = region === undefined ? -1 : lines.findIndex(marker('region'))
  const end = region === undefined ? lines.length : lines.findIndex(marker('endregion'))
  const body = lines
    .slice(start + 1, end)
    .filter((line) => !/^(\/\/|#) ?#?(end)?region [\w-]+$/.test(line.trim()))
  const indent = Math.min(
    ...body.filter((line) => line.trim() !== '').map((line) => /^\s*/.exec(line)![0].length),
  )
  return body
    .map((line) => line.slice(indent))
    .join('\n')
    .trim()
}

/** The pages with includes, and what each include should show. */
async function pagesWithIncludes(): Promise<{ page: string; includes: { path: string; code: string }[] }[]> {
  const docs = join(root, 'docs')
  const pages = (await readdir(docs)).filter((file) => file.endsWith('.md'))
  const found = []
  for (const page of pages) {
    const markdown = await readFile(join(docs, page), 'utf8')
    const includes = []
    for (const [, path, region] of markdown.matchAll(/^<<< (\S+?)(?:#([\w-]+))?$/gm)) {
      includes.push({
        path: `${path}${region ? `#${region}` : ''}`,
        code: await includedCode(join(docs, page), path!, region),
      })
    }
    if (includes.length > 0) found.push({ page: page.replace(/\.md$/, ''), includes })
  }
  return found
}

const chromiumMissing = !existsSync(CHROMIUM)
if (chromiumMissing && process.env.CI) {
  throw new Error(`Chromium is not installed at ${CHROMIUM}; .ci/run installs Debian's chromium package`)
}

describe.skipIf(chromiumMissing)('the docs site', () => {
  beforeAll(async () => {
    await run('npm', ['run', 'docs:build'], { cwd: root, maxBuffer: 16 * 1024 * 1024 })
    await serveSite()
    await mkdir(screenshots, { recursive: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    server?.close()
  })

  it.each(PAGES)('renders %s with its content', async (name, path, heading, content) => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const response = await page.goto(`${origin}${path}`)
    expect(response?.status()).toBe(200)
    await expect(page.locator('h1').first().textContent()).resolves.toContain(heading)
    await expect(page.locator('#app').textContent()).resolves.toContain(content)
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows code from the example files, not hand-copied snippets', async () => {
    const example = await readFile(join(root, 'docs/examples/getting-started.ts'), 'utf8')
    const page = await browser.newPage()
    await page.goto(`${origin}/getting-started`)
    const code = await page.locator('div[class*="language-ts"] pre').first().textContent()
    expect(code).toContain(
      'const database = createDatabase<DB>({ ...databaseOptionsFromEnv(env), pool: { max: 10 } })',
    )
    expect(example).toContain(code?.split('\n')[0]?.trim() ?? '<missing>')
    await page.close()
  })

  it('shows every included example region on every page, as the example file has it', async () => {
    const pages = await pagesWithIncludes()
    expect(pages.map(({ page }) => page)).toEqual(
      expect.arrayContaining([
        'connections',
        'testing',
        'codegen',
        'transactions',
        'repositories',
        'metrics',
      ]),
    )
    for (const { page: name, includes } of pages) {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      expect((await page.goto(`${origin}/${name}`))?.status(), name).toBe(200)
      const shown = (await page.locator('div[class*="language-"] pre').allTextContents()).map((code) =>
        code.trim(),
      )
      for (const { path, code } of includes) {
        expect(shown, `${name}: ${path}`).toContain(code)
      }
      expect(shown.join('\n'), name).not.toContain('Code snippet path not found')
      if (!PAGES.some(([opened]) => opened === name)) {
        // A page the test above did not open (it saves the others).
        await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
      }
      expect(errors, name).toEqual([])
      await page.close()
    }
  }, 180_000)

  it('serves the generated API reference', async () => {
    const page = await browser.newPage()
    const response = await page.goto(`${origin}/api/index.html`)
    expect(response?.status()).toBe(200)
    await expect(page.locator('body').textContent()).resolves.toContain('createDatabase')
    await page.screenshot({ path: join(screenshots, 'api.png') })
    await page.close()
  })
})
