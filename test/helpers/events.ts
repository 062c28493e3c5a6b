/** Hand-written canonical event sequences for the KPI core's tests: times in seconds from T0. */
import type { CanonicalEvent } from '../../schemas/events.js'

export const T0 = Date.parse('2026-11-23T09:00:00.000Z')
export const LINE = 'L1'
const iso = (s: number) => new Date(T0 + s * 1000).toISOString()
let n = 0
const env = (s: number, customer: string | null, line: string | null = LINE) => ({ v: 1 as const, id: `t${++n}`, at: iso(s), received_at: iso(s), source: 'api' as const, line, customer })

export const ev = {
  in: (s: number, o: { c?: string; type?: string; reply?: string; digit?: number; sentiment?: number; category?: string; id?: string } = {}): CanonicalEvent => ({
    ...env(s, o.c ?? 'c1'),
    ...(o.id ? { id: o.id } : {}),
    kind: 'message.in',
    message_id: `wamid.${n}`,
    message_type: o.type ?? 'text',
    reply_id: o.reply ?? null,
    context_id: null,
    digit: o.digit ?? null,
    ...(o.sentiment !== undefined ? { sentiment: o.sentiment } : {}),
    ...(o.category ? { keyword_category: o.category } : {}),
    errors: [],
  }),
  out: (s: number, kind: 'agent' | 'bot' | 'automation' | 'app', o: { c?: string; agent?: string; survey?: boolean; mid?: string } = {}): CanonicalEvent => ({
    ...env(s, o.c ?? 'c1'),
    kind: 'message.out',
    message_id: o.mid ?? null,
    message_type: 'text',
    sender_kind: kind,
    agent_id: kind === 'agent' ? (o.agent ?? 'a1') : null,
    survey: o.survey ?? false,
  }),
  assigned: (s: number, agent: string, o: { c?: string; team?: string } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'conversation.assigned', agent_id: agent, team: o.team ?? null }),
  resolved: (s: number, o: { c?: string; by?: 'agent' | 'bot' | 'automation' } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'conversation.resolved', by_kind: o.by ?? 'agent', agent_id: null }),
  handoff: (s: number, o: { c?: string; team?: string } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'bot.handoff', team: o.team ?? null }),
  csat: (s: number, score: number, o: { c?: string } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'csat.response', score }),
  tagged: (s: number, category: string, o: { c?: string } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'conversation.tagged', category }),
  status: (s: number, mid: string, status: string, codes: number[] = []): CanonicalEvent => ({
    ...env(s, 'c1'),
    kind: 'message.status',
    message_id: mid,
    status,
    errors: codes.map((code) => ({ code })),
    pricing_category: null,
    conversation_origin: null,
  }),
  agent: (s: number, agent: string, status: 'online' | 'away' | 'offline', capacity = 3, team = 'support'): CanonicalEvent => ({ ...env(s, null, null), kind: 'agent.status', agent_id: agent, team, status, capacity }),
  prioritised: (s: number, priority: 'low' | 'normal' | 'high' | 'urgent', o: { c?: string; tier?: string } = {}): CanonicalEvent => ({ ...env(s, o.c ?? 'c1'), kind: 'conversation.prioritised', priority, tier: o.tier ?? null }),
}

export const DAY = 86_400
