import type { Agents } from './agents.js'
import type { SlaTarget } from '../../schemas/sla-config.js'

/**
 * What the core tells the sinks (ClickHouse, metrics, Alertmanager, live feed): plain data.
 * Changed conversations are not effects but a set (engine.drainChanged()).
 */
export type Effect =
  // Counters and histograms need no conversation id: building one per event would cost the
  // core a string each time (rows come from drainChanged()).
  | { type: 'opened'; line: string; at: number }
  // `bot`: on a bot-answered conversation's first resolution, whether the bot contained it.
  | { type: 'resolved'; line: string; team: string; by: string; at: number; bot: 'contained' | 'human' | null }
  | { type: 'handoff'; line: string; team: string; at: number }
  // `withinTarget`: a first response within thresholds.frt_target (false for the other metrics).
  | { type: 'sample'; metric: 'frt' | 'nrt' | 'assignment' | 'resolution' | 'bot_frt'; seconds: number; at: number; line: string; team: string; agent: string | null; withinTarget: boolean }
  // `level`: warning, breach or an escalation step's name (docs/sla.md). The chat's SLA policy and
  // priority are read from the core when paged (projection.ts chatSla): no field more per alert.
  // `helpdesk`: the helpdesk's id of the chat (deep links), set only when known: effects wait in
  // memory until a flush drains them, and most chats have none (bench/processor.ts memory).
  | { type: 'escalation'; level: string; action: 'fire' | 'resolve' | 'retract'; moment: number; firedAt: number; conversation: string; line: string; customer: string; team: string; agent: string | null; waitingSince: number; helpdesk?: string | null }
  // An SLA target's outcome (docs/sla.md "Outcomes"); `key` and `openedAt` make the conversation id (no string built per outcome).
  // A miss is logged when its target closes, at the miss's own moment (sla.ts).
  | { type: 'sla'; key: string; openedAt: number; line: string; team: string; policy: string; target: SlaTarget; outcome: 'hit' | 'missed'; at: number }
  // `previous`: the conversation's earlier score, which this one replaces (the last one counts).
  // `positive`, `previousPositive`: KPIS.md's positive response (4 or 5), decided by the core.
  | { type: 'csat'; line: string; team: string; agent: string | null; score: number; previous: number | null; positive: boolean; previousPositive: boolean | null; at: number }
  | { type: 'fcr'; conversation: string; line: string; customer: string; fcr: boolean }
  | { type: 'missed'; conversation: string; line: string; team: string; at: number }
  | { type: 'status'; line: string; status: string; codes: number[] }
  // A business message known only from its status (replies_from: statuses), counted as a reply.
  | { type: 'reply_inferred'; line: string; at: number }
  // Each agent's cumulative times at the end of a minute of event time, as the clock passes it.
  | { type: 'agent_minute'; end: number; agents: ReturnType<Agents['totals']> }
