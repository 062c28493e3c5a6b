/**
 * Builds one thread's steps in time order. Every step lands on a whole second at least 1 s after
 * the previous one, so the ground truth never has to break a tie inside a conversation.
 */
import { NEGATIVE_EXAMPLES, NEUTRAL_EXAMPLES, POSITIVE_EXAMPLES } from '../../ingest/text/sentiment.js'
import { ERROR_CODES, type InboundStep, type OutboundStep, type PlannedStatus, type Sentiment, type Step, type Thread } from './model.js'
import type { Roster } from './agents.js'
import type { Rng } from './random.js'

export interface PlanContext {
  rng: Rng
  roster: Roster
  /** A fresh, unique wamid. */
  wamid(): string
  /** The plan's last second. */
  end: number
}

const TEXTS: Record<Sentiment, readonly string[]> = {
  negative: NEGATIVE_EXAMPLES,
  neutral: NEUTRAL_EXAMPLES,
  positive: POSITIVE_EXAMPLES,
}

export class Script {
  private last = Number.NEGATIVE_INFINITY

  constructor(
    readonly ctx: PlanContext,
    readonly thread: Thread,
  ) {}

  get lastT(): number {
    return this.last
  }

  note(text: string): void {
    if (!this.thread.notes.includes(text)) this.thread.notes.push(text)
  }

  push<S extends Step>(step: S): S {
    step.t = Math.max(Math.round(step.t), this.last + 1)
    this.last = step.t
    this.thread.steps.push(step)
    return step
  }

  /** Several steps decided together, pushed in time order. */
  pushAll(steps: Step[]): void {
    for (const step of [...steps].sort((a, b) => a.t - b.t)) this.push(step)
  }

  inbound(t: number, fields: Omit<InboundStep, 'kind' | 't' | 'id'>): InboundStep {
    return this.push<InboundStep>({ kind: 'in', t, id: this.ctx.wamid(), ...fields })
  }

  textDraft(t: number, sentiment: Sentiment): InboundStep {
    return { kind: 'in', t, id: this.ctx.wamid(), type: 'text', text: this.ctx.rng.pick(TEXTS[sentiment]), sentiment }
  }

  text(t: number, sentiment: Sentiment): InboundStep {
    return this.push(this.textDraft(t, sentiment))
  }

  outbound(t: number, fields: Omit<OutboundStep, 'kind' | 't' | 'id' | 'statuses'>): OutboundStep {
    const step = this.push<OutboundStep>({ kind: 'out', t, id: this.ctx.wamid(), statuses: [], ...fields })
    step.statuses = statuses(this.ctx.rng, step.t, fields.type === 'template')
    return step
  }

  agent(t: number, agent: string, text: string): OutboundStep {
    return this.outbound(t, { sender: 'agent', agent, type: 'text', text })
  }

  bot(t: number, text: string, type: 'text' | 'interactive' = 'text'): OutboundStep {
    return this.outbound(t, { sender: 'bot', type, text })
  }
}

/**
 * WhatsApp's statuses for one business message: sent, delivered, usually read; a few fail. A `sent`
 * is sometimes stamped a moment before the helpdesk reports the message (its own clock, its own
 * queue), so a status may precede the message it refers to.
 */
function statuses(rng: Rng, t: number, template: boolean): PlannedStatus[] {
  const sent = t + (rng.chance(0.08) ? -rng.int(1, 3) : rng.int(0, 1))
  if (rng.chance(template ? 0.07 : 0.012)) {
    const error = template ? rng.pick(ERROR_CODES) : rng.weighted([[131026, 3], [131047, 1]] as const)
    return [{ t: sent, status: 'sent' }, { t: sent + rng.int(1, 4), status: 'failed', error }]
  }
  const delivered = sent + rng.int(1, 5)
  const list: PlannedStatus[] = [{ t: sent, status: 'sent' }, { t: delivered, status: 'delivered' }]
  if (rng.chance(template ? 0.6 : 0.9)) list.push({ t: delivered + rng.seconds(2, template ? 3600 : 240, 2), status: 'read' })
  return list
}
