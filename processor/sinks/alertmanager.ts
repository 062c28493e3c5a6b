/**
 * Per-chat escalations (docs/kpis.md "The five-minute rule") as `HelpdeskChatEscalation` alerts in
 * Alertmanager's v2 API, so grouping, silences, inhibition and routing stay Alertmanager's.
 * The pipeline never waits for it: effects only change the set held here; a background loop
 * posts what changed at once, re-posts what is still open, and retries with backoff while
 * Alertmanager is away. docs/alerting.md "Per-chat escalations".
 */
import type { Logger } from 'pino'
import type { Effect } from '../core/effects.js'
import type { Engine } from '../core/engine.js'
import { conversationId } from '../core/state.js'
import { policyOf, priorityOf, stepMoment, stepsPaged } from '../core/sla-rules.js'
import type { ProcessorMetrics } from '../metrics/registry.js'
import { runbookUrl, type Config } from '../../schemas/config.js'
import { helpdeskUrl, type HelpdeskUrlTemplates } from '../../schemas/helpdesk.js'

/** The per-chat alert's name (docs/architecture.md "Alerts"; docs/glossary.md "Escalation limit, warning and breach"). */
export const CHAT_ALERT = 'HelpdeskChatEscalation'

/** Its runbook: the section of docs/alerting.md under the config's `monitoring.runbook_base`, as the rules link theirs. */
export const chatRunbookUrl = (config: Config): string => runbookUrl(config.monitoring.runbook_base, CHAT_ALERT)

type Escalation = Extract<Effect, { type: 'escalation' }>
type Level = Escalation['level']

export interface AlertmanagerSinkOptions {
  /** Alertmanager's base URL (ALERTMANAGER_URL). */
  url: string
  /** Breaches whose moment is older than this (ms of wall time) are recorded, not paged (page_max_age). */
  pageMaxAgeMs: number
  /** Open alerts are posted again this often (Alertmanager forgets one after its endsAt). */
  repostMs?: number
  /** An open alert's endsAt is this far ahead: a processor that dies leaves it to expire. */
  holdMs?: number
  /** Where the alert's generatorURL points (the processor's wallboard). */
  generatorUrl?: string
  /** Runbook link put in the annotations. */
  runbookUrl?: string
  /** Names of the configured lines (`lines.<id>.name`): the summary and a `line_name` annotation say it. Labels keep the id. */
  lineNames?: Record<string, string>
  /** The lines' `helpdesk_url` templates (config.lines): the alert links to the chat in the helpdesk. */
  lines?: HelpdeskUrlTemplates
  /**
   * The reassignment hint of a page (docs/sla.md "Routing"): decided by the read model
   * (projection.ts reassignmentHint) over every partition's agents, asked when the alert is held.
   */
  hint?: (team: string, agent: string | null) => string | null
  /** The chat's SLA policy and priority (projection.ts chatSla over the partition's engine). */
  about?: (partition: number, conversation: string) => { policy: string; priority: string } | null
  now?: () => number
}

interface Held {
  /** The stream partition whose core raised it: its owner alone updates it. */
  partition: number
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: number
  /** Set when the chat got its reply (or resolved): posted once more, then forgotten. */
  endsAt: number | null
  /** Changed since it was last posted successfully. */
  dirty: boolean
}

const keyOf = (conversation: string, level: Level) => `${conversation}\u0001${level}`

export function createAlertmanagerSink(opts: AlertmanagerSinkOptions, deps: { log: Logger; metrics: ProcessorMetrics }) {
  const { log, metrics } = deps
  const now = opts.now ?? Date.now
  const repostMs = opts.repostMs ?? 30_000
  const holdMs = opts.holdMs ?? 180_000
  const endpoint = `${opts.url.replace(/\/+$/, '')}/api/v2/alerts`
  const held = new Map<string, Held>()
  let lastFullPost = 0
  let failures = 0
  let retryAt = 0
  let posting: Promise<void> | null = null
  let timer: NodeJS.Timeout | undefined
  let closed = false

  /** Levels seen stay at 0 once none is open (a gauge, not a gap). */
  const levels = new Set<string>(['warning', 'breach'])
  function updateGauge() {
    const open = new Map([...levels].map((l) => [l, 0]))
    for (const h of held.values()) if (h.endsAt === null) open.set(h.labels.level!, (open.get(h.labels.level!) ?? 0) + 1)
    for (const [level, n] of open) {
      levels.add(level)
      metrics.alertsActive.set({ level }, n)
    }
  }

  function hold(partition: number, e: Pick<Escalation, 'conversation' | 'line' | 'team' | 'agent' | 'level' | 'moment' | 'waitingSince' | 'helpdesk'> & { policy?: string; priority?: string }) {
    const sla = e.policy !== undefined && e.priority !== undefined ? { policy: e.policy, priority: e.priority } : (opts.about?.(partition, e.conversation) ?? { policy: 'default', priority: 'normal' })
    const waitingSince = new Date(e.waitingSince).toISOString()
    const waited = Math.round((e.moment - e.waitingSince) / 1000)
    const hint = opts.hint?.(e.team, e.agent) ?? null
    const name = opts.lineNames?.[e.line]
    const where = name ? `${name} (line ${e.line}, team ${e.team})` : `line ${e.line} (team ${e.team})`
    const link = helpdeskUrl(opts.lines ?? {}, e.line, e.helpdesk)
    const summary =
      e.level === 'warning'
        ? `Chat waiting ${waited} s, nearing the escalation limit on ${where}`
        : e.level === 'breach'
          ? `Chat unanswered for ${waited} s on ${where}`
          : `Chat still unanswered after ${waited} s on ${where}: escalated to ${e.level}`
    held.set(keyOf(e.conversation, e.level), {
      partition,
      // Alertmanager tells alerts apart by their labels: the conversation must be one of them
      // (an opaque id, never the customer's number), or two chats of one team would be one alert.
      labels: {
        alertname: CHAT_ALERT,
        severity: e.level === 'warning' ? 'warning' : 'critical',
        level: e.level,
        line: e.line,
        team: e.team,
        agent: e.agent ?? 'unassigned',
        conversation: e.conversation,
      },
      annotations: {
        summary,
        description: `Conversation ${e.conversation} has waited for a human reply since ${waitingSince} (${waited} s when the ${e.level} fired); agent: ${e.agent ?? 'none assigned'}; SLA policy ${sla.policy}, priority ${sla.priority}; reassign to: ${hint ?? 'nobody has spare capacity'}.`,
        conversation: e.conversation,
        waiting_since: waitingSince,
        ...(name ? { line_name: name } : {}),
        policy: sla.policy,
        priority: sla.priority,
        reassign_to: hint ?? 'none',
        ...(opts.runbookUrl ? { runbook_url: opts.runbookUrl } : {}),
        // An annotation, not a label: it may appear later in the chat's life without making a second alert.
        ...(link ? { helpdesk_url: link } : {}),
      },
      startsAt: e.moment,
      endsAt: null,
      dirty: true,
    })
  }

  /** Effects of one flush (after their rows are written). */
  function apply(partition: number, effects: readonly Effect[]) {
    let changed = false
    for (const e of effects) {
      if (e.type !== 'escalation') continue
      const key = keyOf(e.conversation, e.level)
      if (e.action === 'fire') {
        // Found long after its moment (replay, catch-up after an outage): recorded, not paged.
        if (now() - e.moment > opts.pageMaxAgeMs) continue
        hold(partition, e)
        changed = true
      } else {
        const h = held.get(key)
        if (!h) continue
        h.endsAt = Math.min(now(), Math.max(h.startsAt, e.action === 'retract' ? h.startsAt : e.moment))
        h.dirty = true
        changed = true
      }
    }
    if (changed) {
      updateGauge()
      kick()
    }
  }

  /**
   * A partition starts (after a restart or a takeover) with escalations open in its state: they
   * are held again, when that state is live (its clock within page_max_age of now); a state far
   * behind is catching up and pages only what it finds anew.
   */
  function adopt(partition: number, engine: Engine) {
    if (now() - engine.clock > opts.pageMaxAgeMs) return
    for (const c of engine.view.convs.values()) {
      if (!c.open || c.waitingSince === null) continue
      const rules = engine.view.slaRules
      const base = { conversation: conversationId(c), line: c.line, team: c.team, agent: c.agent, waitingSince: c.waitingSince, helpdesk: c.helpdeskConversation ?? null, policy: policyOf(rules, c).name, priority: priorityOf(c) }
      if (c.breachedAt !== null) hold(partition, { ...base, level: 'breach', moment: c.breachedAt })
      else if (c.warnedAt !== null) hold(partition, { ...base, level: 'warning', moment: c.warnedAt })
      for (let i = 0; i < stepsPaged(c); i++) hold(partition, { ...base, level: rules.steps[i]!.name, moment: stepMoment(rules, c, i) })
    }
    updateGauge()
    kick()
  }

  /**
   * The partition went to another owner (or stops): its alerts are left as they are in
   * Alertmanager, for the next owner to adopt, or to expire at their endsAt.
   */
  function release(partition: number) {
    for (const [key, h] of held) if (h.partition === partition) held.delete(key)
    updateGauge()
  }

  function kick() {
    if (!posting && !closed) posting = post().finally(() => (posting = null))
  }

  async function post() {
    const t = now()
    if (t < retryAt) return
    const full = t - lastFullPost >= repostMs
    const batch = [...held].filter(([, h]) => full || h.dirty)
    if (batch.length === 0) return
    const body = batch.map(([, h]) => ({
      labels: h.labels,
      annotations: h.annotations,
      startsAt: new Date(h.startsAt).toISOString(),
      endsAt: new Date(h.endsAt ?? t + holdMs).toISOString(),
      ...(opts.generatorUrl ? { generatorURL: opts.generatorUrl } : {}),
    }))
    try {
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) })
      if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
      metrics.alertmanagerPosts.inc({ result: 'ok' })
      if (failures) log.info({ alerts: body.length, failedPosts: failures }, 'Alertmanager reachable again')
      failures = 0
      if (full) lastFullPost = t
      for (const [key, h] of batch) {
        h.dirty = false
        if (h.endsAt !== null) held.delete(key)
      }
      updateGauge()
    } catch (err) {
      metrics.alertmanagerPosts.inc({ result: 'error' })
      failures++
      retryAt = now() + Math.min(500 * 2 ** (failures - 1), 30_000)
      if (failures === 1 || failures % 10 === 0) log.warn({ err: { message: (err as Error).message }, failures, held: held.size }, 'posting escalations to Alertmanager failed; retrying')
    }
  }

  return {
    apply,
    adopt,
    release,
    /** Open and ending alerts held (tests, wallboard). */
    get held(): ReadonlyMap<string, Readonly<Held>> {
      return held
    },
    start() {
      timer = setInterval(kick, 250)
      timer.unref()
    },
    async close() {
      closed = true
      clearInterval(timer)
      await posting
    },
  }
}
export type AlertmanagerSink = ReturnType<typeof createAlertmanagerSink>
