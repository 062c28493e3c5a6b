/**
 * The ground truth of one (line, customer) timeline: docs/kpis.md applied to the plan's steps in
 * time order, with timers (warning, breach, missed window, inactivity close) firing before an
 * event at the same second. Independent of processor/: a second computation to test the engine.
 *
 * Where docs/kpis.md would allow two readings, the plan is built never to go there, and this
 * module throws ("plan breaks …") if it ever does, rather than pick one silently.
 */
import type { Config } from '../../schemas/config.js'
import type { Step, Thread } from './model.js'

type Thresholds = Config['thresholds']

export interface Waiting { start: number; negative: boolean; warned: boolean; breached: boolean }

export interface TruthConversation {
  thread: number
  line: string
  customer: string
  openedAt: number
  status: 'open' | 'resolved' | 'timeout'
  closedAt: number | null
  bot: boolean
  botPhase: boolean
  handedOff: boolean
  handoffAt: number | null
  firstHumanAt: number | null
  /** Seconds; null when no human replied. */
  frt: number | null
  nrt: number[]
  assignedTo: string | null
  assignment: number | null
  firstResolution: number | null
  lastResolvedAt: number | null
  reopened: boolean
  humanWriters: string[]
  waiting: Waiting | null
  warnings: number
  breaches: number
  missed: boolean
  lastMessageAt: number
  lastCustomerAt: number
  lastCustomerNegative: boolean
  lastHumanAt: number | null
  lastSurveyAt: number | null
  csat: number | null
  /** Filled at `until` by truth.ts. */
  state?: 'bot' | 'unassigned' | 'awaiting_agent' | 'awaiting_customer' | 'closed'
  fcr?: 'pending' | 'fcr' | 'not-fcr' | null
}

export interface Counters { messagesIn: number; messagesOut: number }

const fail = (thread: number, t: number, what: string): never => {
  throw new Error(`plan breaks the ground-truth rules (thread ${thread}, t=${t}): ${what}`)
}

function limitOf(w: Waiting, th: Thresholds): number {
  return w.negative ? th.escalate_after_negative : th.escalate_after
}

/** Fires every timer of the conversation due at or before `t`, in time order. */
export function advance(c: TruthConversation, t: number, th: Thresholds): void {
  for (;;) {
    const due: Array<[number, () => void]> = []
    if (c.status === 'open') due.push([c.lastMessageAt + th.inactivity_close, () => close(c, c.lastMessageAt + th.inactivity_close)])
    const w = c.waiting
    if (w) {
      const limit = limitOf(w, th)
      if (!w.warned) due.push([w.start + limit - th.warn_before, () => ((w.warned = true), c.warnings++)])
      if (!w.breached) due.push([w.start + limit, () => ((w.breached = true), c.breaches++)])
      if (!c.missed) due.push([c.lastCustomerAt + th.service_window, () => (c.missed = true)])
    }
    const next = due.filter(([at]) => at <= t).sort((a, b) => a[0] - b[0])[0]
    if (!next) return
    next[1]()
  }
}

function close(c: TruthConversation, at: number): void {
  c.status = 'timeout'
  c.closedAt = at
  c.waiting = null
  c.botPhase = false
}

function startWaiting(c: TruthConversation, t: number): void {
  c.waiting = { start: t, negative: c.lastCustomerNegative, warned: false, breached: false }
}

function open(thread: Thread, t: number): TruthConversation {
  return {
    thread: thread.n, line: thread.line, customer: thread.customer, openedAt: t, status: 'open', closedAt: null,
    bot: false, botPhase: false, handedOff: false, handoffAt: null, firstHumanAt: null, frt: null, nrt: [],
    assignedTo: null, assignment: null, firstResolution: null, lastResolvedAt: null, reopened: false, humanWriters: [],
    waiting: null, warnings: 0, breaches: 0, missed: false, lastMessageAt: t, lastCustomerAt: t,
    lastCustomerNegative: false, lastHumanAt: null, lastSurveyAt: null, csat: null,
  }
}

/** Applies one (line, customer) timeline; returns its conversations, oldest first. */
export function applyTimeline(steps: ReadonlyArray<{ step: Step; thread: Thread }>, th: Thresholds, counters: Counters): TruthConversation[] {
  const convs: TruthConversation[] = []
  let prev = Number.NEGATIVE_INFINITY
  for (const { step, thread } of steps) {
    const t = step.t
    if (t <= prev) fail(thread.n, t, 'two steps of one customer on one line at the same second')
    prev = t
    const last = convs.at(-1)
    if (last) advance(last, t, th)
    const c = last && last.status === 'open' ? last : null
    const need = (what: string): TruthConversation => c ?? fail(thread.n, t, `${what} with no open conversation`)

    switch (step.kind) {
      case 'in': {
        counters.messagesIn++
        const negative = step.sentiment === 'negative'
        if (step.csat !== undefined) {
          const byReply = step.reply?.id === `csat_${step.csat}`
          const byDigit = step.text === String(step.csat) && last?.lastSurveyAt != null && t - last.lastSurveyAt <= th.csat_window
          if (!byReply && !byDigit) fail(thread.n, t, 'a CSAT answer that docs/kpis.md would not recognise')
          if (c || !last) fail(thread.n, t, 'a CSAT answer while a conversation is open')
          ;(last as TruthConversation).csat = step.csat as number
          break
        }
        if (step.text !== undefined && /^\s*[1-5]\s*$/.test(step.text)) fail(thread.n, t, 'a one-digit text that is not a CSAT answer')
        if (c) {
          c.lastCustomerAt = t
          c.lastMessageAt = t
          if (c.botPhase) {
            c.lastCustomerNegative = negative
          } else if (c.waiting) {
            // The limit follows the newest message; changing it after a warning could fire is ambiguous.
            if (negative !== c.waiting.negative && t >= c.waiting.start + th.escalate_after_negative - th.warn_before) {
              fail(thread.n, t, 'the negativity of a waiting period changes after its first possible warning')
            }
            c.waiting.negative = negative
            c.lastCustomerNegative = negative
          } else {
            c.lastCustomerNegative = negative
            startWaiting(c, t)
          }
          break
        }
        let conv: TruthConversation
        if (last?.status === 'resolved' && t - (last.lastResolvedAt as number) <= th.reopen_window) {
          if (last.lastHumanAt === null || last.lastCustomerAt > last.lastHumanAt) fail(thread.n, t, 'a reopen whose waiting start is ambiguous')
          conv = last
          conv.status = 'open'
          conv.reopened = true
        } else {
          if (last?.status === 'timeout' && t - (last.closedAt as number) <= th.reopen_window) fail(thread.n, t, 'a message soon after a timeout')
          conv = open(thread, t)
          convs.push(conv)
        }
        conv.lastCustomerAt = t
        conv.lastMessageAt = t
        conv.lastCustomerNegative = negative
        startWaiting(conv, t)
        break
      }
      case 'out': {
        counters.messagesOut++
        if (!c) {
          // Campaigns, and surveys after the resolution: messages only (docs/kpis.md).
          if (step.survey && last) last.lastSurveyAt = t
          break
        }
        c.lastMessageAt = t
        if (step.sender === 'agent') {
          if (c.botPhase) fail(thread.n, t, 'a human reply in the bot phase without a handoff')
          if (c.firstHumanAt === null) {
            c.firstHumanAt = t
            c.frt = Math.max(0, t - (c.handoffAt ?? c.openedAt))
          } else if (c.waiting) {
            c.nrt.push(Math.max(0, t - c.waiting.start))
          }
          c.waiting = null
          c.lastHumanAt = t
          if (!c.humanWriters.includes(step.agent as string)) c.humanWriters.push(step.agent as string)
        } else if (step.sender === 'bot') {
          // A bot message before any handoff or human message: bot phase, and waiting ends.
          if (!c.handedOff && c.firstHumanAt === null) {
            c.bot = true
            c.botPhase = true
            c.waiting = null
          }
        } else if (step.survey) {
          c.lastSurveyAt = t
        }
        break
      }
      case 'handoff': {
        const conv = need('a handoff')
        if (!conv.botPhase) fail(thread.n, t, 'a handoff outside the bot phase')
        if (conv.lastCustomerNegative) fail(thread.n, t, 'a handoff right after a negative text (which message counts is ambiguous)')
        conv.botPhase = false
        conv.handedOff = true
        conv.handoffAt = t
        conv.lastCustomerNegative = false
        startWaiting(conv, t)
        break
      }
      case 'assigned': {
        const conv = need('an assignment')
        if (conv.bot && !conv.handedOff) fail(thread.n, t, 'an assignment during the bot phase')
        if (conv.assignment === null) conv.assignment = Math.max(0, t - (conv.handoffAt ?? conv.openedAt))
        conv.assignedTo = step.agent
        break
      }
      case 'tagged':
        need('a tag')
        break
      case 'resolved': {
        const conv = need('a resolution')
        conv.status = 'resolved'
        conv.closedAt = t
        if (conv.firstResolution === null) conv.firstResolution = t - conv.openedAt
        conv.lastResolvedAt = t
        conv.waiting = null
        conv.botPhase = false
        break
      }
      case 'csat': {
        const target = c ?? last ?? fail(thread.n, t, 'a csat.response with no conversation')
        target.csat = step.score
        break
      }
    }
  }
  return convs
}
