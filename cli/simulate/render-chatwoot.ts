/**
 * A plan → replay lines `{"chatwoot": <body as Chatwoot posts it>}` (`deskpulse simulate --via
 * chatwoot`): the same day as a Chatwoot account webhook would deliver it, with no Meta webhook
 * and no /v1/events. Shapes as in test/fixtures/chatwoot (README there cites the sources).
 *
 * What Chatwoot cannot say is left out, as it would be in a real deployment: agents' availability
 * (Chatwoot has no webhook for it) and delivery statuses (no KPI of the summary needs them). A
 * survey is Chatwoot's own (`input_csat`), and a customer who taps a CSAT button answers it on
 * Chatwoot's survey page: a `message_updated` with the rating and no WhatsApp message, so
 * `messages.in` is lower than the Meta rendering's by those taps (`csatTaps`).
 */
import type { InboundStep, OutboundStep, Plan } from './model.js'
import { createRng } from './random.js'

/** The Chatwoot account and inbox ids of the simulated lines (config `adapters.chatwoot.inboxes`). */
export const SIM_CHATWOOT_ACCOUNT = 1
export const simChatwootInboxes = (plan: Pick<Plan, 'lines'>): Record<string, string> =>
  Object.fromEntries(plan.lines.map((l, i) => [String(i + 1), l.id]))

const iso = (t: number) => new Date(t * 1000).toISOString()

interface ThreadState {
  status: 'open' | 'pending' | 'resolved'
  assignee: { id: number; name: string; type: 'user' } | null
  team: { id: number; name: string } | null
  labels: string[]
  /** Chatwoot message id of each survey, by its wamid (a CSAT tap's context). */
  surveys: Map<string, number>
  lastSurvey: number | null
}

export interface ChatwootRendering {
  lines: string[]
  /** CSAT answers given by tapping a button: in Chatwoot they are survey-page ratings, not messages. */
  csatTaps: number
  duplicates: number
}

export function renderChatwoot(plan: Plan): ChatwootRendering {
  const inboxOf = new Map(plan.lines.map((l, i) => [l.id, i + 1]))
  const agentNumber = new Map(plan.agents.map((a, i) => [a.id, i + 1]))
  const teamIds = new Map<string, number>()
  const teamOf = (name: string) => {
    if (!teamIds.has(name)) teamIds.set(name, teamIds.size + 1)
    return { id: teamIds.get(name)!, name }
  }
  const account = { id: SIM_CHATWOOT_ACCOUNT, name: 'deskpulse simulation' }
  const entries: Array<{ t: number; n: number; body: unknown }> = []
  let n = 0
  let messageIds = 0
  let csatTaps = 0
  const add = (t: number, body: unknown) => entries.push({ t, n: n++, body })

  for (const thread of plan.threads) {
    const inbox = inboxOf.get(thread.line)!
    const bot = plan.lines.find((l) => l.id === thread.line)?.bot === true && thread.flow === 'bot'
    const st: ThreadState = { status: bot ? 'pending' : 'open', assignee: null, team: null, labels: [], surveys: new Map(), lastSurvey: null }
    const contact = { id: thread.n + 1, name: thread.name, phone_number: `+${thread.customer}`, identifier: null, type: 'contact' }
    const conversation = (t: number) => ({
      id: thread.n + 1,
      inbox_id: inbox,
      channel: 'Channel::Whatsapp',
      contact_inbox: { source_id: thread.customer },
      meta: { sender: contact, assignee: st.assignee, assignee_type: st.assignee ? 'User' : null, team: st.team },
      status: st.status,
      labels: [...st.labels],
      timestamp: t,
      updated_at: t,
    })
    const message = (t: number, extra: Record<string, unknown>) => ({
      event: 'message_created',
      id: ++messageIds,
      created_at: iso(t),
      private: false,
      content_attributes: {},
      content_type: 'text',
      inbox: { id: inbox, name: `WhatsApp ${thread.line}` },
      account,
      ...extra,
      conversation: conversation(t),
    })
    const convEvent = (t: number, event: string, changed: Record<string, { previous_value: unknown; current_value: unknown }>) => ({
      ...conversation(t),
      event,
      account,
      changed_attributes: Object.entries(changed).map(([k, v]) => ({ [k]: v })),
    })
    const rate = (t: number, score: number, survey: number | null) => {
      add(t, { ...message(t, {}), event: 'message_updated', id: survey ?? ++messageIds, message_type: 'template', content_type: 'input_csat', sender: null, content_attributes: { submitted_values: { csat_survey_response: { rating: score } } } })
    }

    for (const step of thread.steps) {
      const t = step.t
      switch (step.kind) {
        case 'in': {
          if (step.csat !== undefined && step.reply) {
            csatTaps++
            rate(t, step.csat, (step.context ? st.surveys.get(step.context) : undefined) ?? st.lastSurvey)
            break
          }
          if (st.status === 'resolved') st.status = 'open' // Chatwoot reopens on an incoming message
          add(t, message(t, inboundFields(step, contact)))
          break
        }
        case 'out':
          add(t, message(t, outboundFields(step, agentNumber, st)))
          break
        case 'assigned': {
          const previous = st.assignee?.id ?? null
          st.assignee = { id: agentNumber.get(step.agent)!, name: step.agent, type: 'user' }
          st.team = teamOf(step.team)
          add(t, convEvent(t, 'conversation_updated', { assignee_id: { previous_value: previous, current_value: st.assignee.id } }))
          break
        }
        case 'resolved': {
          const previous = st.status
          if (step.by === 'agent' && step.agent) st.assignee = { id: agentNumber.get(step.agent)!, name: step.agent, type: 'user' }
          st.status = 'resolved'
          add(t, convEvent(t, 'conversation_status_changed', { status: { previous_value: step.by === 'bot' ? 'pending' : previous === 'pending' ? 'open' : previous, current_value: 'resolved' } }))
          break
        }
        case 'tagged': {
          const before = [...st.labels]
          st.labels.push(step.category)
          add(t, convEvent(t, 'conversation_updated', { label_list: { previous_value: before, current_value: [...st.labels] } }))
          break
        }
        case 'handoff':
          st.status = 'open'
          st.team = teamOf(step.team)
          add(t, convEvent(t, 'conversation_status_changed', { status: { previous_value: 'pending', current_value: 'open' } }))
          break
        case 'csat':
          rate(t, step.score, st.lastSurvey)
          break
      }
      if (step.kind === 'out' && step.survey) {
        st.surveys.set(step.id, messageIds)
        st.lastSurvey = messageIds
      }
    }
  }
  entries.sort((a, b) => a.t - b.t || a.n - b.n)
  // Chatwoot retries a delivery it thinks failed with the same body: a few copies, stored once.
  const rng = createRng(plan.seed, 7)
  const lines: string[] = []
  let duplicates = 0
  for (const e of entries) {
    const text = JSON.stringify({ chatwoot: e.body })
    lines.push(text)
    if (rng.chance(0.01)) {
      lines.push(text)
      duplicates++
    }
  }
  return { lines, csatTaps, duplicates }
}

function inboundFields(step: InboundStep, contact: Record<string, unknown>) {
  // Chatwoot keeps a reply's title as the content, and the replied-to wamid.
  const content = step.text ?? step.reply?.title ?? null
  return {
    message_type: 'incoming',
    content: step.type === 'image' ? null : content,
    source_id: step.id,
    sender: contact,
    content_attributes: step.context ? { in_reply_to_external_id: step.context } : {},
    ...(step.type === 'image' ? { attachments: [{ file_type: 'image' }] } : {}),
  }
}

function outboundFields(step: OutboundStep, agents: Map<string, number>, st: ThreadState) {
  if (step.survey) return { message_type: 'template', content_type: 'input_csat', content: step.text, sender: null }
  if (step.type === 'template') return { message_type: 'template', content: step.text, sender: null }
  const sender =
    step.sender === 'agent' ? { id: agents.get(step.agent ?? '') ?? st.assignee?.id ?? 0, name: step.agent, type: 'user' }
    : step.sender === 'bot' ? { id: 1, name: 'Menu bot', type: 'agent_bot' }
    : null
  return { message_type: 'outgoing', content: step.text, sender, ...(sender === null ? { content_attributes: { automation_rule_id: 1 } } : {}) }
}

