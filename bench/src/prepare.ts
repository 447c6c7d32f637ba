import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const benchRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repositoryRoot = resolve(benchRoot, '..')

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env })
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`)
}

/**
 * Builds the toolkit (`npm run build` at the repository root) when `dist/` is missing or older than `src/`, so
 * the bench measures the built package, as users run it.
 */
export function ensureToolkitBuilt(log: (line: string) => void): void {
  const built = join(repositoryRoot, 'dist', 'index.js')
  const sources = join(repositoryRoot, 'src')
  const config = join(repositoryRoot, 'tsup.config.ts')
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(newestMtime(sources), newestMtime(config)))
    return
  log('building kysely-toolkit (dist/ is missing or older than src/) ...')
  run('npm', ['run', '--silent', 'build'], repositoryRoot)
}

/** Whether the generated Prisma client is there and newer than the schema; generates it otherwise. */
export function ensurePrismaGenerated(
  log: (line: string) => void,
): { ok: true } | { ok: false; reason: string } {
  const schema = join(benchRoot, 'prisma', 'schema.prisma')
  const client = join(benchRoot, 'src', 'clients', 'prisma-generated', 'client.ts')
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return { ok: true }
  log('generating the Prisma client (prisma generate) ...')
  try {
    // `prisma generate` needs no engine binary (the schema is read by Wasm and the client uses the TypeScript
    // query compiler), but the CLI checks for the schema-engine binary first and would download it: pointing it
    // at a placeholder skips that; generate never runs it.
    run('npx', ['prisma', 'generate', '--schema', schema], benchRoot, {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    })
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) }
  }
}
