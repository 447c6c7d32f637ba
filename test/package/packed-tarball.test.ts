import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>
  devDependencies: Record<string, string>
  peerDependencies: Record<string, string>
}
/** Every peer, required and optional, at the version the repository develops with (a subpath's user installs its peer). */
const PEERS = Object.keys(manifest.peerDependencies).map(
  (name) => `${name}@${manifest.devDependencies[name] ?? manifest.peerDependencies[name]}`,
)
/** Every public subpath of the package, from its exports map. */
const SUBPATHS = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'kysely-toolkit' : `kysely-toolkit/${key.slice(2)}`))

let project = ''

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'kysely-toolkit-package-'))
  // dist was built by `npm test` (or `npm run test:package`): no second build through prepack.
  const { stdout } = await run(
    'npm',
    ['pack', '--silent', '--ignore-scripts', '--pack-destination', project],
    {
      cwd: root,
    },
  )
  const tarball = join(project, stdout.trim().split('\n').at(-1)!)
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }),
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball, ...PEERS], {
    cwd: project,
  })
}, 300_000)

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  it.each(SUBPATHS)('%s loads with import() and with require(), exposing the same names', async (subpath) => {
    const script = `
      const esm = await import(${JSON.stringify(subpath)})
      const cjs = require(${JSON.stringify(subpath)})
      console.log(JSON.stringify({ esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).sort() }))
    `
    const { stdout } = await run(
      process.execPath,
      ['--input-type=commonjs', '-e', `(async () => { ${script} })()`],
      {
        cwd: project,
      },
    )
    const names = JSON.parse(stdout) as { esm: string[]; cjs: string[] }
    expect(names.esm.length).toBeGreaterThan(0)
    expect(names.esm.filter((name) => name !== 'default')).toEqual(
      names.cjs.filter((name) => name !== 'default'),
    )
  })

  it('recognises its errors across the ESM and CJS copies', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `(async () => {
          const esm = await import('kysely-toolkit')
          const cjs = require('kysely-toolkit')
          const error = new esm.PoolTimeoutError(100, 1, 0)
          console.log(JSON.stringify([cjs.ToolkitError.is(error), cjs.PoolTimeoutError.is(error), cjs.DatabaseClosedError.is(error)]))
        })()`,
      ],
      { cwd: project },
    )
    expect(JSON.parse(stdout)).toEqual([true, true, false])
  })

  it('ships the CLI as a bin that answers --help', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/kysely-toolkit'), ['--help'], {
      cwd: project,
    })
    expect(stdout).toContain('Usage: kysely-toolkit <command>')
    expect(stdout).toContain('migrate')
  })

  it('ships type declarations for every subpath, for ESM and CJS', async () => {
    for (const subpath of SUBPATHS) {
      const folder = subpath === 'kysely-toolkit' ? '' : `${subpath.slice('kysely-toolkit/'.length)}/`
      for (const file of ['index.d.ts', 'index.d.cts']) {
        await expect(
          readFile(join(project, 'node_modules/kysely-toolkit/dist', folder, file), 'utf8'),
        ).resolves.toContain('export')
      }
    }
  })
})
