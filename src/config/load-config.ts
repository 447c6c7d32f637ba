import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { createJiti } from 'jiti'
import type { z } from 'zod'
import { parseOptions } from '../util/parse-options.js'
import { CONFIG_FILE_NAMES, ToolkitConfigSchema } from './toolkit-config.js'

/** A loaded config file and where it was found. */
export interface LoadedConfig {
  readonly config: z.output<typeof ToolkitConfigSchema>
  /** The file's absolute path, or `undefined` when there is none (every section then has its defaults). */
  readonly path: string | undefined
  /** Resolves a path written in the config relative to the config file's folder. */
  readonly resolvePath: (path: string) => string
}

/**
 * Finds, loads (TypeScript through jiti) and validates the config file.
 *
 * @throws {InvalidOptionsError} when a field is wrong, naming it.
 *
 * @example
 * ```ts
 * const { config, resolvePath } = await loadConfig(process.cwd())
 * const folder = resolvePath(config.migrations?.folder ?? './migrations')
 * ```
 */
export async function loadConfig(cwd: string, explicitPath?: string): Promise<LoadedConfig> {
  const path = explicitPath
    ? resolve(cwd, explicitPath)
    : CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate))
  if (path === undefined) {
    return { config: {}, path: undefined, resolvePath: (inner) => resolve(cwd, inner) }
  }
  const jiti = createJiti(path, { moduleCache: false, fsCache: false })
  const loaded = await jiti.import<{ default?: unknown }>(path)
  const config = parseOptions(ToolkitConfigSchema, loaded.default ?? loaded, `config file ${path}`)
  const folder = resolve(path, '..')
  return { config, path, resolvePath: (inner) => resolve(folder, inner) }
}
