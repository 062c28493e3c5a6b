/** Per-conversation hot state: kept small (numbers and short strings), see bench/processor.ts. */
export type BacklogState = 'bot' | 'unassigned' | 'awaiting_agent' | 'awaiting_customer'

export const enum CategorySource {
  None = 0,
  Keyword = 1,
  Menu = 2,
  Tag = 3,
}

export interface Conversation {
  /** `<line>|<customer>`: one current conversation per customer and line. */
  key: string
  line: string
  team: string
  agent: string | null
  category: string | null
  categorySource: CategorySource
  openedAt: number
  /** Latest resolution (null while open and never resolved). */
  resolvedAt: number | null
  firstResolvedAt: number | null
  resolvedBy: string | null
  open: boolean
  reopened: boolean
  botPhase: boolean
  handoffAt: number | null
  firstHumanAt: number | null
  /** Start of the current waiting period, or null when nobody waits. */
  waitingSince: number | null
  /** Newest customer message of the waiting period is negative (limit 180 s). */
  waitingNegative: boolean
  /** Moments the warning and the breach of this waiting period fired (for retraction), or null. */
  warnedAt: number | null
  breachedAt: number | null
  lastCustomerAt: number
  lastMessageAt: number
  /** Human writers: the first one, and whether another wrote too (FCR). */
  writer: string | null
  severalWriters: boolean
  hasHuman: boolean
  firstAssignedAt: number | null
  surveyAt: number | null
  csat: number | null
  sentimentSum: number
  sentimentCount: number
  sentimentLast: number | null
  frtSeconds: number | null
  missed: boolean
  /** Resolved explicitly, FCR verdict not yet decided (KPIS.md "Outcomes"). */
  fcrPending: boolean
  /** The agent whose active count includes this conversation. */
  countedAgent: string | null
  // Facts kept for the conversation's row (ClickHouse `conversations`, `deskpulse report`).
  messagesIn: number
  messagesOut: number
  frtBusinessSeconds: number | null
  assignmentSeconds: number | null
  botFirstSeconds: number | null
  /** First resolution's duration (null for an inactivity close, as in the summary). */
  resolutionSeconds: number | null
  /**
   * Every explicit resolution's duration from opening (reopened chats resolve again); the
   * full-resolution sample is the last one (KPIS.md "Timings").
   */
  fullResolutions: number[] | null
  /** The agent credited with this conversation's one resolution (absent in older checkpoints). */
  resolutionAgent?: string | null
  nrtSamples: number[] | null
  nrtBusinessSamples: number[] | null
  /** Net of retractions. */
  warnings: number
  breaches: number
  contained: boolean
  negativeMessages: number
  /** The helpdesk's own id of the conversation, the latest an event carried (deep links; absent in older checkpoints). */
  helpdeskConversation?: string | null
  /**
   * SLA state packed in one small integer (sla-rules.ts): policy, priority, tier, misses counted,
   * steps paged. Absent in checkpoints from before SLA policies (restored as normal, matched again).
   */
  sla: number
}

export function stateOf(c: Conversation): BacklogState {
  if (c.botPhase) return 'bot'
  if (c.waitingSince !== null) return c.agent ? 'awaiting_agent' : 'unassigned'
  return 'awaiting_customer'
}

/** `<line>|<customer>#<opened at ms>`: stable across replays; built when needed, not stored. */
export const conversationId = (c: Conversation) => `${c.key}#${c.openedAt}`
/** The customer's keyed hash in a conversation key (`<line>|<customer>`). */
export const customerOf = (key: string) => key.slice(key.indexOf('|') + 1)
/** Line and customer of a conversation id (`<line>|<customer>#<opened ms>`). */
export function partsOfConversationId(id: string): { line: string; customer: string } {
  const key = id.slice(0, id.lastIndexOf('#'))
  return { line: key.slice(0, key.indexOf('|')), customer: customerOf(key) }
}
/** The writer of business messages typed in the WhatsApp Business app (coexistence echoes): no agent. */
export const APP_WRITER = 'app'
/**
 * The writer of a business message known only from its status webhook, on a line with
 * `replies_from: statuses` (docs/whatsapp-only.md): human or bot, which agent, nobody knows.
 */
export const STATUS_WRITER = 'business'
/** Whether a writer is an agent, whose timings and resolutions are credited to them. */
export const isAgentWriter = (writer: string) => writer !== APP_WRITER && writer !== STATUS_WRITER

/** A bot answered before any human or hand-over: its first answer is timed (one field less per chat). */
export const botAnswered = (c: Conversation) => c.botFirstSeconds !== null
/** Handed over by a bot that had answered (KPIS.md "Bots"). */
export const handedOff = (c: Conversation) => c.handoffAt !== null && botAnswered(c)
/** KPIS.md "CSAT": a response of 4 or 5 is positive. */
export const positiveCsat = (score: number) => score >= 4

export function newConversation(key: string, line: string, team: string, at: number): Conversation {
  return {
    key,
    line,
    team,
    agent: null,
    category: null,
    categorySource: CategorySource.None,
    openedAt: at,
    resolvedAt: null,
    firstResolvedAt: null,
    resolvedBy: null,
    open: true,
    reopened: false,
    botPhase: false,
    handoffAt: null,
    firstHumanAt: null,
    waitingSince: at,
    waitingNegative: false,
    warnedAt: null,
    breachedAt: null,
    lastCustomerAt: at,
    lastMessageAt: at,
    writer: null,
    severalWriters: false,
    hasHuman: false,
    firstAssignedAt: null,
    surveyAt: null,
    csat: null,
    sentimentSum: 0,
    sentimentCount: 0,
    sentimentLast: null,
    frtSeconds: null,
    missed: false,
    fcrPending: false,
    countedAgent: null,
    messagesIn: 0,
    messagesOut: 0,
    frtBusinessSeconds: null,
    assignmentSeconds: null,
    botFirstSeconds: null,
    resolutionSeconds: null,
    fullResolutions: null,
    resolutionAgent: null,
    nrtSamples: null,
    nrtBusinessSamples: null,
    warnings: 0,
    breaches: 0,
    contained: false,
    negativeMessages: 0,
    helpdeskConversation: null,
    sla: 0,
  }
}
