/**
 * The documentation is read from a clone: every relative link in README.md and docs/*.md points
 * to a file of the repository, and a link to a heading (`file.md#anchor`) to a heading that exists
 * (GitHub's anchors). Citations in prose and comments (`docs/kpis.md "Timings"`) name a heading of
 * that page too.
 */
import t from 'tap'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** Written in parallel with these docs (issue 16: the adapters); linked before they land. */
const PENDING = new Set(['docs/connect-chatwoot.md', 'docs/connect-twilio.md', 'docs/connect-360dialog.md'])

/** Markdown without fenced code blocks and inline code, where `[x](y)` is not a link. */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  const text = md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n ? `${base}-${n}` : base)
  }
  return out
}

const headingsOf = (md: string) =>
  [...md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) => m[1]!.replace(/`/g, ''))

t.test('every relative link of README.md and docs/*.md resolves, anchors included', async (t) => {
  const broken: string[] = []
  let links = 0
  for (const doc of docs) {
    const md = readFileSync(path.join(root, doc), 'utf8')
    for (const m of prose(md).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // http:, https:, mailto:
      links++
      const [file, anchor] = target.split('#') as [string, string | undefined]
      const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURI(file)))
      if (resolved.startsWith('..')) {
        broken.push(`${doc}: ${target} leaves the repository`)
        continue
      }
      if (!existsSync(path.join(root, resolved))) {
        if (!PENDING.has(resolved)) broken.push(`${doc}: ${target} (no ${resolved})`)
        continue
      }
      if (anchor && resolved.endsWith('.md') && statSync(path.join(root, resolved)).isFile()) {
        if (!anchorsOf(readFileSync(path.join(root, resolved), 'utf8')).has(anchor)) broken.push(`${doc}: ${target} (no heading #${anchor} in ${resolved})`)
      }
    }
  }
  t.ok(links > 50, `links checked: ${links}`)
  t.same(broken, [], 'broken links')
})

t.test('the docs send no reader outside the repository for the design', async (t) => {
  for (const doc of docs) {
    const md = readFileSync(path.join(root, doc), 'utf8')
    t.notMatch(md, /shared\/design|\.\.\/shared/, `${doc} cites only files in the repository`)
    t.notMatch(md, /\b(KPIS|ARCHITECTURE|STYLE)\.md\b/, `${doc} cites docs/kpis.md and docs/architecture.md, not the design files`)
  }
})

t.test('every citation of a section of docs/kpis.md or docs/architecture.md names a heading there', async (t) => {
  const targets = ['kpis', 'architecture'] as const
  const headings = Object.fromEntries(targets.map((n) => [n, headingsOf(readFileSync(path.join(root, `docs/${n}.md`), 'utf8'))]))
  const files = [...docs, ...sources(root)]
  const bad: string[] = []
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8').replace(/\\"/g, '"')
    for (const m of text.matchAll(/(?:docs\/)?(kpis|architecture)\.md(?:'s)? \(?"([^"]+)"/g)) {
      // From a doc page, a bare name (`kpis.md "…"`) is that page; elsewhere it needs docs/.
      if (!m[0].startsWith('docs/') && !file.startsWith('docs/')) continue
      // A citation may wrap in a comment: join its lines, comment markers dropped.
      const cited = m[2]!.replace(/\s*\n\s*(?:\*|\/\/|#|--)?\s*/g, ' ')
      if (!headings[m[1] as (typeof targets)[number]]!.some((h) => h.startsWith(cited))) bad.push(`${file}: ${m[0]}`)
    }
  }
  t.same(bad, [], 'citations of missing sections')
})

/** Source files a citation may sit in (not node_modules, data or generated output). */
function sources(dir: string, rel = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.') || ['node_modules', 'data', 'docs'].includes(e.name)) continue
    const p = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...sources(dir, p))
    else if (/\.(ts|js|mjs|sql|yml|yaml|json|sh)$/.test(e.name) && !p.endsWith('package-lock.json')) out.push(p)
  }
  return out
}
