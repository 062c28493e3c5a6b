/**
 * How one conversation unfolds: a human flow (assignment, first reply, a few more waiting periods,
 * an ending, a survey, sometimes a reopen), the menu bot in front of it, and campaign templates
 * whose quick-reply button opens one. Every delay is drawn here, so `truth` knows each outcome.
 *
 * Rules kept so that docs/kpis.md gives exactly one answer (the truth module checks them):
 * - within a waiting period every customer text has the same negativity, except one impatient
 *   negative text sent before the earliest warning (120 s);
 * - a bot conversation always reaches its human through a bot.handoff event, never before it;
 * - a conversation that is reopened ended its first part with a human message and no CSAT answer,
 *   and is resolved again.
 */
import { hold, pickAgent } from './agents.js'
import {
  AGENT_CLOSINGS, AGENT_TEXTS, AGENT_WELCOME_BACK, BOT_TEXTS, CAMPAIGN, CATEGORIES, HANDOFF_BUTTON, MENU, SURVEY_TEXT,
  type LineInfo, type Sentiment, type Step, type Team,
} from './model.js'
import type { Rng } from './random.js'
import type { Script } from './script.js'

type Band = readonly [number, number]

function band(rng: Rng, bands: ReadonlyArray<readonly [Band, number]>): number {
  const [from, to] = rng.weighted(bands)
  return rng.int(from, to)
}

/** First human reply: mostly within a minute, a tail past the warning (240 s) and the breach (300 s). */
const drawFirstReply = (rng: Rng) =>
  band(rng, [[[8, 60], 0.8], [[61, 170], 0.12], [[171, 239], 0.035], [[240, 299], 0.025], [[300, 1100], 0.02]])
/** Later replies are quicker: the agent is already in the chat. */
const drawNextReply = (rng: Rng) => band(rng, [[[4, 60], 0.78], [[61, 170], 0.17], [[171, 299], 0.04], [[300, 800], 0.01]])

export interface Serve {
  team: Team
  /** When this waiting period began (open, handoff or the customer's return). */
  waitFrom: number
  sentiment: Sentiment
  /** Whether the reply that ends it is the conversation's first human message. */
  first: boolean
  /** An impatient customer adds a negative text before the first warning could fire. */
  impatient?: boolean
  reopenable: boolean
  /** The customer came back to a resolved conversation (reopen). */
  back?: boolean
  /** On a quiet lead-in day a forgotten conversation times out; the main day keeps it open. */
  quiet: boolean
}

/** Another text from a waiting customer, of the same negativity, before the reply at `before`. */
function followUp(s: Script, sentiment: Sentiment, before: number, extra: Array<Step>): void {
  const room = before - Math.max(s.lastT, ...extra.map((e) => e.t)) - 4
  if (room > 6 && s.ctx.rng.chance(0.22)) {
    const same: Sentiment = sentiment === 'negative' ? 'negative' : 'neutral'
    extra.push(s.textDraft(before - room + s.ctx.rng.int(1, Math.min(room - 1, 120)), same))
  }
}

/** A human takes the conversation from `o.waitFrom`: assignment, replies, an ending. */
export function serve(s: Script, o: Serve): void {
  const { rng, roster } = s.ctx
  const want = Math.max(o.waitFrom, s.lastT) + rng.seconds(2, 40, 2)
  const pick = pickAgent(roster, o.team, want)
  if (pick === null) return s.note('no-agent')
  const assignAt = Math.max(want, pick.at)
  let reply = o.waitFrom + (o.first ? drawFirstReply(rng) : drawNextReply(rng))
  if (pick.at > want) {
    s.note('late-agent') // nobody was online: the reply comes a little after someone is
    reply = Math.max(reply, pick.at + rng.seconds(20, 240, 2))
  }
  if (pick.busy) {
    s.note('busy') // every candidate already holds `capacity` conversations
    if (rng.chance(0.5)) reply += rng.seconds(10, 180, 3)
  }
  reply = Math.max(reply, assignAt + rng.int(2, 8))
  const extra: Step[] = [{ kind: 'assigned', t: assignAt, agent: pick.agent, team: pick.team }]
  let sentiment = o.sentiment
  if (o.impatient && reply - o.waitFrom > 30) {
    extra.push(s.textDraft(o.waitFrom + rng.int(15, Math.min(110, reply - o.waitFrom - 5)), 'negative'))
    sentiment = 'negative'
    s.note('negative')
  } else {
    followUp(s, sentiment, reply, extra)
  }
  s.pushAll(extra)
  const agent = pick.agent
  s.agent(reply, agent, o.back ? AGENT_WELCOME_BACK : rng.pick(AGENT_TEXTS))
  if (rng.chance(0.4)) s.push({ kind: 'tagged', t: s.lastT + rng.int(3, 40), category: rng.pick(CATEGORIES[o.team]) })

  const rounds = rng.weighted([[0, 0.3], [1, 0.35], [2, 0.22], [3, 0.13]] as const)
  for (let r = 0; r < rounds; r++) {
    const mood: Sentiment = sentiment === 'negative' && rng.chance(0.6) ? 'negative' : rng.chance(0.85) ? 'neutral' : 'positive'
    const start = s.text(s.lastT + rng.seconds(15, 480, 2), mood).t
    const next = start + drawNextReply(rng)
    const more: Step[] = []
    followUp(s, mood, next, more)
    s.pushAll(more)
    s.agent(next, agent, rng.pick(AGENT_TEXTS))
  }
  const resolved = finish(s, agent, o)
  // Occupancy counts active conversations only: not the tail spent awaiting the customer.
  const lastWord = s.thread.steps.findLast((st) => st.kind === 'out' && st.sender === 'agent')?.t ?? s.lastT
  hold(roster, agent, assignAt, lastWord)
  if (resolved !== null && o.reopenable && endsWithHuman(s.thread.steps) && s.ctx.rng.chance(0.08)) {
    reopen(s, o, resolved)
  } else if (resolved !== null) {
    survey(s, resolved, o.first && sentiment !== 'negative' && reply - o.waitFrom < 120)
  }
}

/** No customer message since the last human one: a reopen's waiting then starts at its message. */
function endsWithHuman(steps: readonly Step[]): boolean {
  const lastIn = steps.findLast((st) => st.kind === 'in')
  const lastHuman = steps.findLast((st) => st.kind === 'out' && st.sender === 'agent')
  return lastHuman !== undefined && (lastIn === undefined || lastIn.t < lastHuman.t)
}

/** The end of the human part; returns the resolution time, or null when nobody resolves. */
function finish(s: Script, agent: string, o: Serve): number | null {
  const { rng } = s.ctx
  const ending = rng.weighted([['thanks', 0.45], ['closing', 0.35], ['silent', 0.12], ['forgotten', o.reopenable ? 0.04 : 0]] as const)
  if (ending === 'forgotten') {
    s.note(o.quiet ? 'timeout' : 'forgotten')
    return null
  }
  if (ending === 'thanks') {
    // The thanks starts a waiting period that the resolution (or a "prego") ends well before 240 s.
    s.text(s.lastT + rng.seconds(10, 180, 2), 'positive')
    if (rng.chance(0.4)) s.agent(s.lastT + rng.int(5, 60), agent, 'Prego, buona giornata!')
    return s.push({ kind: 'resolved', t: s.lastT + rng.int(5, 90), by: 'agent', agent }).t
  }
  s.agent(s.lastT + rng.seconds(20, 120, 2), agent, rng.pick(AGENT_CLOSINGS))
  const wait = ending === 'silent' ? rng.int(600, 2400) : rng.int(5, 120)
  return s.push({ kind: 'resolved', t: s.lastT + wait, by: 'agent', agent }).t
}

/** The customer comes back within hours: the same conversation reopens (docs/kpis.md). */
function reopen(s: Script, o: Serve, resolved: number): void {
  const { rng } = s.ctx
  const back = resolved + rng.seconds(1800, 5 * 3600, 1.5)
  // Only while someone is on shift, so the reopened part is resolved again (never left half-open).
  const pick = pickAgent(s.ctx.roster, o.team, back)
  if (back + 3 * 3600 > s.ctx.end || pick === null || pick.at > back + 1800) return survey(s, resolved, false)
  if (rng.chance(0.5)) s.outbound(resolved + rng.int(2, 10), { sender: 'automation', type: 'interactive', text: SURVEY_TEXT, survey: true })
  s.thread.reopenFrom = s.thread.steps.length
  s.note('reopen')
  const sentiment: Sentiment = rng.chance(0.35) ? 'negative' : 'neutral'
  const m = s.text(back, sentiment)
  serve(s, { ...o, waitFrom: m.t, sentiment, first: false, impatient: false, reopenable: false, back: true })
}

/** An automation survey after resolution, and maybe an answer in one of the three CSAT forms. */
export function survey(s: Script, resolved: number, good: boolean): void {
  const { rng } = s.ctx
  if (!rng.chance(0.65)) return
  const ask = s.outbound(resolved + rng.int(2, 10), { sender: 'automation', type: 'interactive', text: SURVEY_TEXT, survey: true })
  if (!rng.chance(0.55)) return
  const weights = good ? [0.02, 0.03, 0.1, 0.3, 0.55] : [0.22, 0.23, 0.25, 0.18, 0.12]
  const score = rng.weighted(weights.map((w, i) => [i + 1, w] as const))
  const form = rng.weighted([['button', 0.55], ['digit', 0.3], ['event', 0.15]] as const)
  const at = ask.t + rng.seconds(10, 1800, 2)
  if (form === 'button') {
    const reply = { kind: 'button_reply' as const, id: `csat_${score}`, title: `${'⭐'.repeat(score)}` }
    s.inbound(at, { type: 'interactive', reply, context: ask.id, csat: score })
  } else if (form === 'digit') {
    s.inbound(at, { type: 'text', text: String(score), csat: score })
  } else {
    s.push({ kind: 'csat', t: at, score })
  }
  // The helpdesk echoes the answer as an event, now and then with a corrected score: the last counts.
  if (rng.chance(0.12)) {
    const again = rng.chance(0.7) ? score : Math.min(5, Math.max(1, score + rng.pick([-1, 1])))
    s.push({ kind: 'csat', t: s.lastT + rng.int(2, 600), score: again })
  }
}

/** A conversation with no bot: the customer writes (sometimes a photo first) and waits. */
export function humanConversation(s: Script, t0: number, team: Team, sentiment: Sentiment, quiet: boolean): void {
  const { rng } = s.ctx
  let waitFrom: number
  if (rng.chance(0.07)) {
    waitFrom = s.inbound(t0, { type: 'image' }).t
    s.text(waitFrom + rng.int(3, 10), sentiment)
  } else {
    waitFrom = s.text(t0, sentiment).t
  }
  serve(s, { team, waitFrom, sentiment, first: true, reopenable: true, quiet })
}

/** The menu bot answers first; it resolves the conversation itself or hands it to a team. */
export function botConversation(s: Script, t0: number, line: LineInfo, impatient: boolean, quiet: boolean): void {
  const { rng } = s.ctx
  // The opening text is never negative: the limit after the handoff then depends only on what
  // the customer writes after it, however an engine remembers older sentiment.
  s.text(t0, rng.chance(0.85) ? 'neutral' : 'positive')
  const menu = s.bot(s.lastT + rng.int(1, 3), BOT_TEXTS.menu, 'interactive')
  if (rng.chance(0.07)) {
    s.note('bot-idle')
    s.bot(menu.t + rng.int(600, 900), BOT_TEXTS.idle)
    s.push({ kind: 'resolved', t: s.lastT + rng.int(1, 3), by: 'bot' })
    return
  }
  const weights = line.team === 'billing' ? [0.7, 0, 0.15, 0, 0.15] : [0.1, 0.35, 0.25, 0.2, 0.1]
  const choice = rng.weighted(MENU.map((m, i) => [m, weights[i] as number] as const))
  s.inbound(menu.t + rng.seconds(6, 90, 2), { type: 'interactive', reply: { kind: 'list_reply', id: choice.id, title: choice.title }, context: menu.id })
  if (choice.id !== 'menu_agent') {
    const answer = s.bot(s.lastT + rng.int(1, 3), BOT_TEXTS.answer)
    if (rng.chance(0.5)) {
      s.note('contained')
      s.text(answer.t + rng.seconds(10, 150, 2), 'positive')
      s.bot(s.lastT + rng.int(1, 3), BOT_TEXTS.contained)
      const resolved = s.push({ kind: 'resolved', t: s.lastT + rng.int(1, 3), by: 'bot' }).t
      return survey(s, resolved, true)
    }
    s.inbound(answer.t + rng.seconds(8, 120, 2), { type: 'interactive', reply: { kind: 'button_reply', ...HANDOFF_BUTTON }, context: answer.id })
  }
  s.bot(s.lastT + rng.int(1, 2), BOT_TEXTS.connecting)
  const handoff = s.push({ kind: 'handoff', t: s.lastT + rng.int(1, 2), team: choice.team })
  s.note('handoff')
  s.thread.team = choice.team
  // Bot messages after the handoff do not stop the wait (docs/kpis.md "Waiting").
  if (rng.chance(0.25)) s.bot(handoff.t + rng.int(1, 3), BOT_TEXTS.queue)
  serve(s, { team: choice.team, waitFrom: handoff.t, sentiment: 'neutral', first: true, impatient, reopenable: true, quiet })
}

/** A template to a customer with no conversation; some tap its quick reply and open one. */
export function campaignMessage(s: Script, t: number, team: Team, responds: boolean, sentiment: Sentiment): void {
  const { rng } = s.ctx
  const template = s.outbound(t, { sender: 'automation', type: 'template', text: CAMPAIGN.text })
  if (!responds) return
  const tap = s.inbound(template.t + rng.seconds(120, 3000, 1.5), { type: 'button', text: CAMPAIGN.button.text, reply: { kind: 'button', id: CAMPAIGN.button.payload, title: CAMPAIGN.button.text }, context: template.id })
  // The button's label is soon followed by a text, so the label's sentiment never decides a limit.
  s.text(tap.t + rng.int(3, 10), sentiment)
  serve(s, { team, waitFrom: tap.t, sentiment, first: true, reopenable: true, quiet: false })
}
