import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { DefaultTheme } from 'vitepress'
import { describe, expect, it } from 'vitest'
import config from '../../../docs/.vitepress/config.js'

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url))

/** Every link of a sidebar, depth first. */
function linksOf(items: readonly DefaultTheme.SidebarItem[]): string[] {
  return items.flatMap((item) => [
    ...(item.link === undefined ? [] : [item.link]),
    ...linksOf(item.items ?? []),
  ])
}

describe('docs sidebar', () => {
  const sidebar = config.themeConfig?.sidebar
  const groups = Array.isArray(sidebar) ? sidebar : []
  const links = linksOf(groups)

  it('is grouped into sections', () => {
    expect(groups.map((group) => group.text)).toEqual(['Guide', 'Data access', 'Operations', 'Reference'])
  })

  it('links every page once, and only pages that exist', () => {
    const pages = readdirSync(DOCS)
      .filter((file) => file.endsWith('.md') && file !== 'index.md')
      .map((file) => `/${file.replace(/\.md$/, '')}`)
    const pageLinks = links.filter((link) => !link.startsWith('/api/'))
    expect([...pageLinks].sort()).toEqual([...pages].sort())
    expect(new Set(pageLinks).size).toBe(pageLinks.length)
  })

  it('links the API reference', () => {
    expect(links).toContain('/api/index.html')
  })
})
