import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize } from 'node:path'
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

  it.each([
    ['home', '/', 'kysely-toolkit', 'Get started'],
    ['getting-started', '/getting-started', 'Getting started', 'createDatabase<DB>'],
    ['connections', '/connections', 'Connections and the pool', 'pool.acquireTimeoutMs'],
    ['testing', '/testing', 'Testing with a real database', 'createTestDatabase'],
    ['codegen', '/codegen', 'Codegen', 'kysely-toolkit codegen'],
    ['repositories', '/repositories', 'Repositories', 'createRepository'],
    ['transactions', '/transactions', 'Transactions', 'afterCommit'],
    ['encryption', '/encryption', 'Column encryption', 'EncryptionPlugin'],
    ['migration-guide', '/migration-guide', 'Migrating from Sequelize', 'getUserWithOrders'],
  ])('renders %s with its content', async (name, path, heading, content) => {
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

  it('serves the generated API reference', async () => {
    const page = await browser.newPage()
    const response = await page.goto(`${origin}/api/index.html`)
    expect(response?.status()).toBe(200)
    await expect(page.locator('body').textContent()).resolves.toContain('createDatabase')
    await page.screenshot({ path: join(screenshots, 'api.png') })
    await page.close()
  })
})
