/**
 * The read model (docs/processor.md "Shape"; issue 15): the core owns every KPI rule, readers only select and
 * format. This test fails when a reader of the processor — the metrics, the wallboard (server
 * and page), the sinks, the shell, the HTTP face — holds a KPI threshold or formula of its own.
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name)
    if (statSync(file).isDirectory()) return sources(file)
    return /\.(ts|js)$/.test(name) ? [file] : []
  })
}

/** Each rule the core decides, and how a second definition of it would look. */
const RULES: Array<{ rule: string; pattern: RegExp }> = [
  { rule: 'a KPI threshold of the configuration (the core decides with it)', pattern: /thresholds\.(frt_target|escalate_after|escalate_after_negative|warn_before|service_window|window_closing_soon|repeat_window|reopen_window|csat_window|inactivity_close|escalate_outside_hours)\b/ },
  { rule: 'a positive CSAT response (positiveCsat in processor/core/state.ts)', pattern: />=\s*4\b/ },
  { rule: "an agent's load (agentLoad in processor/core/projection.ts)", pattern: /\/\s*[\w.]*capacity\b/ },
  { rule: 'a line or customer cut out of a conversation key (the effects carry them)', pattern: /indexOf\('\|'\)/ },
  { rule: 'the escalation moments (escalationMoments in processor/core/escalation.ts)', pattern: /addBusinessSeconds/ },
]

/** Code only: comments and the words of help texts and messages do not decide anything. */
const code = (line: string) => (/^\s*(\/\/|\*|\/\*\*)/.test(line) ? '' : line.replace(/'[^'\n]{2,}'|"[^"\n]{2,}"|`[^`\n]{2,}`/g, "''"))

/** Places that pass a configured value on without deciding with it, and why. */
const ALLOWED = [
  // The configured FRT target exported as its own gauge, for the SLO recording rules.
  { file: 'processor/processor.ts', text: 'frtTargetSeconds: thresholds.frt_target' },
  // The configured escalation limits sent to the wallboard page for the breached tile's caption
  // only; which chats are breached comes from the projection.
  { file: 'processor/processor.ts', text: 'escalation: { after: thresholds.escalate_after, afterNegative: thresholds.escalate_after_negative }' },
  { file: 'processor/wallboard/feed.ts', text: 'escalation: { after: defaultConfig().thresholds.escalate_after, afterNegative: defaultConfig().thresholds.escalate_after_negative }' },
]

t.test('no KPI threshold or formula outside processor/core', async (t) => {
  const readers = sources(path.join(root, 'processor')).filter((f) => !f.startsWith(path.join(root, 'processor/core') + path.sep))
  t.ok(readers.length > 15, `${readers.length} reader files checked`)
  for (const file of readers) {
    const lines = readFileSync(file, 'utf8').split('\n')
    const allowed = (l: string) => ALLOWED.some((a) => path.relative(root, file) === a.file && l.includes(a.text))
    for (const { rule, pattern } of RULES) {
      const line = lines.findIndex((l) => !allowed(l) && pattern.test(code(l)))
      t.equal(line, -1, `${path.relative(root, file)} does not decide ${rule}`, line >= 0 ? { line: line + 1 } : {})
    }
  }
})

t.test('the checks catch what they look for', async (t) => {
  // Each pattern against a line that re-derives its rule, as the readers once did.
  const once = [
    'if (e.seconds <= this.config.thresholds.frt_target) c.frt_within_target++',
    'const positive = (s: number | null) => (s !== null && s >= 4 ? 1 : 0)',
    'load: round(Math.min(a.active / a.capacity, 1), 3)',
    "this.inc('fcr', [e.conversation.slice(0, e.conversation.indexOf('|'))])",
    'const at = (seconds: number) => (cal ? addBusinessSeconds(cal, c.waitingSince!, seconds) : 0)',
  ]
  RULES.forEach(({ rule, pattern }, i) => t.ok(pattern.test(code(once[i]!)), `caught: ${rule}`))
})
