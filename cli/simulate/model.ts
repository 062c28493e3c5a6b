/**
 * The simulator's plan as plain data: every conversation ("thread") with every message and event
 * at an exact Unix second, plus the agents' status changes. `render` turns it into replay lines and
 * `truth` computes the expected KPI summary from it; neither draws anything random that matters.
 */

export type Team = 'billing' | 'support' | 'sales'
export const TEAMS: readonly Team[] = ['billing', 'support', 'sales']

/** Which example list of ingest/text/sentiment.ts a customer text was drawn from. */
export type Sentiment = 'negative' | 'neutral' | 'positive'

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed'
export interface PlannedStatus {
  t: number
  status: StatusName
  /** WhatsApp error code of a failed status. */
  error?: number
}

export interface InboundStep {
  kind: 'in'
  t: number
  /** wamid of the customer's message. */
  id: string
  type: 'text' | 'interactive' | 'button' | 'image'
  /** Text body, or a template quick-reply button's label. */
  text?: string
  /** Texts only: the sentiment list the body came from (digits and labels have none). */
  sentiment?: Sentiment
  reply?: { kind: 'list_reply' | 'button_reply' | 'button'; id: string; title: string }
  /** wamid of the business message this one answers (WhatsApp's `context.id`). */
  context?: string
  /** Set when the message is a CSAT answer (csat_N button or a one-digit text): its score. */
  csat?: number
}

export interface OutboundStep {
  kind: 'out'
  t: number
  id: string
  sender: 'agent' | 'bot' | 'automation'
  agent?: string
  type: 'text' | 'interactive' | 'template'
  text: string
  survey?: boolean
  statuses: PlannedStatus[]
}

export interface AssignedStep { kind: 'assigned'; t: number; agent: string; team: Team }
export interface ResolvedStep { kind: 'resolved'; t: number; by: 'agent' | 'bot'; agent?: string }
export interface TaggedStep { kind: 'tagged'; t: number; category: string }
export interface HandoffStep { kind: 'handoff'; t: number; team: Team }
export interface CsatStep { kind: 'csat'; t: number; score: number }

export type Step = InboundStep | OutboundStep | AssignedStep | ResolvedStep | TaggedStep | HandoffStep | CsatStep

export interface Thread {
  n: number
  line: string
  /** wa_id of the customer. */
  customer: string
  name: string
  flow: 'human' | 'bot' | 'campaign'
  team: Team
  /** In strictly increasing time, at least 1 s apart. */
  steps: Step[]
  /** What the planner meant (negative, reopen, repeat, forgotten, unfinished, …), for debugging. */
  notes: string[]
  /** Index of the step that reopens the conversation, if it is reopened. */
  reopenFrom?: number
}

export interface AgentEvent {
  t: number
  agent: string
  team: Team
  status: 'online' | 'away' | 'offline'
  capacity: number
}

export interface Plan {
  seed: number
  /** Local midnight (Europe/Rome) of the simulated day, as UTC ISO. */
  start: string
  /** Nothing is planned after this second: conversations still running then stay open. */
  end: number
  lines: readonly LineInfo[]
  agents: ReadonlyArray<{ id: string; team: Team }>
  agentEvents: AgentEvent[]
  threads: Thread[]
}

export interface LineInfo {
  id: string
  display: string
  team: Team
  /** Whether a menu bot answers first on this line. */
  bot: boolean
}

export const ZONE = 'Europe/Rome'
export const DEFAULT_START = '2026-11-23'
export const WABA_ID = '102290129340398'
export const CAPACITY = 3

export const LINES: readonly LineInfo[] = [
  { id: '106540352242921', display: '390280001001', team: 'support', bot: true },
  { id: '106540352242922', display: '390280001002', team: 'billing', bot: true },
  { id: '106540352242923', display: '390280001003', team: 'sales', bot: false },
]

/** The bot's list menu: reply ids as WhatsApp returns them, and where each leads. */
export interface MenuItem { id: string; title: string; team: Team; category: string }
export const MENU: readonly MenuItem[] = [
  { id: 'menu_billing', title: 'Fatture e pagamenti', team: 'billing', category: 'billing' },
  { id: 'menu_delivery', title: 'Spedizioni', team: 'support', category: 'delivery' },
  { id: 'menu_orders', title: 'Ordini e resi', team: 'support', category: 'returns' },
  { id: 'menu_technical', title: 'Assistenza tecnica', team: 'support', category: 'technical' },
  { id: 'menu_agent', title: 'Parla con un operatore', team: 'support', category: 'other' },
]

/** Categories a human tags per team (conversation.tagged). */
export const CATEGORIES: Record<Team, readonly string[]> = {
  billing: ['billing', 'refund', 'invoice'],
  support: ['delivery', 'returns', 'technical', 'account'],
  sales: ['sales', 'pricing', 'availability'],
}

/** Error codes of failed statuses, as WhatsApp sends them. */
export const ERROR_CODES = [131026, 131047, 130472] as const
export const ERROR_TITLES: Record<number, string> = {
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  130472: "User's number is part of an experiment",
}

export const NAMES = [
  'Giulia', 'Marco', 'Francesca', 'Luca', 'Sara', 'Alessandro', 'Chiara', 'Matteo', 'Elena', 'Davide',
  'Martina', 'Simone', 'Valentina', 'Andrea', 'Federica', 'Paolo', 'Anna', 'Stefano', 'Laura', 'Roberto',
] as const

export const AGENT_TEXTS = [
  'Buongiorno, sono qui per aiutarla. Mi conferma il numero d\'ordine?',
  'Grazie per la pazienza, sto verificando adesso.',
  'Ho controllato: la pratica è in lavorazione, le scrivo appena ho novità.',
  'Le ho appena inviato il link per il rimborso via email.',
  'Il pacco risulta in consegna domani entro le 18.',
  'Può inviarmi una foto dell\'etichetta, per favore?',
  'Ho aggiornato i dati di fatturazione come richiesto.',
  'Hi! I can help with that, could you share your order number?',
] as const
export const AGENT_CLOSINGS = ['Posso aiutarla in altro?', 'Perfetto, la pratica è chiusa. Buona giornata!', 'Anything else I can do for you?'] as const
export const AGENT_WELCOME_BACK = 'Bentornato! Vedo la conversazione di prima, controllo subito.'

export const BOT_TEXTS = {
  menu: 'Ciao! Sono l\'assistente virtuale. Scegli un argomento dal menu 👇',
  answer: 'Ecco le informazioni richieste: trovi tutto nella tua area clienti. Ti è stato utile?',
  contained: 'Felice di esserti stato utile! Chiudo la conversazione 👋',
  idle: 'Non ho ricevuto risposta, chiudo la conversazione. Scrivici quando vuoi!',
  connecting: 'Ti metto in contatto con un operatore, attendi qualche istante.',
  queue: 'Tutti gli operatori sono occupati: tempo di attesa stimato 3 minuti.',
} as const
export const HANDOFF_BUTTON = { id: 'handoff_agent', title: 'Parla con un operatore' } as const
export const SURVEY_TEXT = 'Come valuti l\'assistenza ricevuta? Tocca da 1 a 5 ⭐'
export const CAMPAIGN = {
  text: 'Il tuo ordine è in consegna oggi. Hai bisogno di aiuto?',
  button: { payload: 'talk_to_agent', text: 'Parla con un operatore' },
} as const
