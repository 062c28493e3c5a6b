/**
 * Outcomes (KPIS.md "Outcomes", "Timings"): first-contact resolution, CSAT, and the one
 * full-resolution sample and per-agent resolution credit a conversation gets however often it
 * reopens.
 */
import { conversationId, partsOfConversationId, positiveCsat, type Conversation } from './state.js'
import { TimingStat } from './timing.js'
import { TimerKind } from './timers.js'
import { S, type CoreContext } from './context.js'

/** A resolved conversation out of `convs` whose FCR verdict waits for the end of repeat_window. */
export interface FcrWatch {
  id: string
  resolvedAt: number
  eligible: boolean
}

/** First contact: never reopened and answered by one writer (KPIS.md "Outcomes"). */
const fcrEligible = (c: Conversation) => !c.reopened && !c.severalWriters

export function createOutcomes({ th, convs, timers, tallies, emit, changed }: CoreContext) {
  const { totals, timing, rolling, agentStats } = tallies
  /**
   * Resolved conversations out of `convs` (compacted, or followed by a new one) whose FCR verdict
   * waits for the end of repeat_window (KPIS.md: pending until the window has passed).
   */
  const fcrWatch = new Map<string, FcrWatch[]>()
  function watch(key: string, w: FcrWatch) {
    const list = fcrWatch.get(key)
    if (list) list.push(w)
    else fcrWatch.set(key, [w])
  }

  /**
   * A new conversation within repeat_window of a resolution makes that one not FCR; the verdict
   * still falls when the window ends. The previous conversation leaves `convs` for the watch list.
   */
  function decideRepeat(key: string, prev: Conversation | null, at: number) {
    for (const w of fcrWatch.get(key) ?? []) if (at - w.resolvedAt <= th.repeat_window * S) w.eligible = false
    if (prev?.fcrPending) watch(key, { id: conversationId(prev), resolvedAt: prev.resolvedAt!, eligible: fcrEligible(prev) && at - prev.resolvedAt! > th.repeat_window * S })
  }

  function decideFcr(target: Conversation | FcrWatch, fcr: boolean) {
    totals.fcrPending--
    totals.fcrFinal++
    if (fcr) totals.fcrYes++
    const id = 'id' in target ? target.id : conversationId(target)
    if ('fcrPending' in target) {
      target.fcrPending = false
      changed(target)
    }
    emit({ type: 'fcr', conversation: id, ...partsOfConversationId(id), fcr })
  }

  /** The FcrFinal timer of the resolution at `resolvedAt`: the conversation's or a watched one's verdict falls. */
  function fcrWindowEnded(key: string, resolvedAt: number) {
    const c = convs.get(key)
    if (c && c.fcrPending && c.resolvedAt === resolvedAt) decideFcr(c, fcrEligible(c))
    const list = fcrWatch.get(key)
    const i = list?.findIndex((w) => w.resolvedAt === resolvedAt) ?? -1
    if (list && i >= 0) {
      const [w] = list.splice(i, 1)
      if (list.length === 0) fcrWatch.delete(key)
      decideFcr(w!, w!.eligible)
    }
  }

  /** A resolution (not a timeout) starts an FCR verdict: pending until repeat_window has passed. */
  function awaitFcr(c: Conversation, at: number) {
    c.fcrPending = true
    totals.fcrPending++
    timers.push({ at: at + th.repeat_window * S, kind: TimerKind.FcrFinal, key: c.key, ref: at })
  }

  /** A reopened conversation is not first contact; its pending verdict is withdrawn. */
  function reopened(c: Conversation) {
    if (!c.reopened) totals.reopened++
    c.reopened = true
    if (c.fcrPending) {
      c.fcrPending = false
      totals.fcrPending--
    }
  }

  /** The conversation leaves `convs` (compacted): only its FCR verdict may still be pending. */
  function leave(key: string, c: Conversation) {
    if (c.fcrPending) watch(key, { id: conversationId(c), resolvedAt: c.resolvedAt!, eligible: fcrEligible(c) })
    settleFullResolution(c)
  }

  /**
   * KPIS.md "Timings": full resolution time is one sample per conversation, open → its latest
   * resolution. A resolved chat may reopen until reopen_window has passed, so its sample is
   * settled into the sketch only when it leaves `convs` (Compact timer, a new conversation after
   * the window, erasure); until then fullResolutionTiming() reads it from the conversation. A
   * sketch cannot take a sample back, so adding at every resolution would count a reopened chat
   * twice (docs/kpis.md "Timings").
   */
  function settleFullResolution(c: Conversation) {
    const latest = c.fullResolutions?.at(-1)
    if (latest !== undefined) timing.fullResolution.add(latest)
  }

  /** Settled samples plus each conversation's latest so far: a fresh stat, reading changes nothing. */
  function fullResolutionTiming(): TimingStat {
    const out = new TimingStat()
    out.merge(timing.fullResolution)
    for (const c of convs.values()) {
      const latest = c.fullResolutions?.at(-1)
      if (latest !== undefined) out.add(latest)
    }
    return out
  }

  /**
   * Per-agent resolutions count a conversation once (KPIS.md "Timings", full resolution), credited
   * like its sample to its latest explicit resolution: a reopened chat resolved again by another
   * assignee moves the credit rather than adding one.
   */
  function creditResolution(c: Conversation) {
    const credited = c.resolutionAgent ?? null
    if (credited === c.agent) return
    if (credited) agentStats(credited).resolutions--
    if (c.agent) agentStats(c.agent).resolutions++
    c.resolutionAgent = c.agent
  }

  /** A CSAT score (KPIS.md "Outcomes"): the last one a conversation gets counts, credited to its last assigned agent. */
  function setCsat(c: Conversation, score: number, at: number) {
    if (c.csat !== null) totals.csat[c.csat]!--
    totals.csat[score]!++
    if (c.agent) {
      const a = agentStats(c.agent).csat
      if (c.csat !== null) a[c.csat]!--
      a[score]!++
    }
    const previous = c.csat
    // Rolling windows (the wallboard's "today"): the last score counts, so a replaced one moves.
    if (previous === null) rolling.counts.add(c.line, at, 'csat_responses')
    const positive = (x: number | null) => (x !== null && positiveCsat(x) ? 1 : 0)
    if (positive(score) !== positive(previous)) rolling.counts.add(c.line, at, 'csat_positive', positive(score) - positive(previous))
    c.csat = score
    emit({ type: 'csat', line: c.line, team: c.team, agent: c.agent, score, previous, positive: positiveCsat(score), previousPositive: previous === null ? null : positiveCsat(previous), at })
    changed(c)
  }

  /**
   * Erasure: the watched verdicts of the customers `of` names (it returns their id list) are
   * dropped; they will never fall.
   */
  function forgetWatches(of: (key: string) => string[] | null) {
    for (const [key, watches] of [...fcrWatch]) {
      const list = of(key)
      if (!list) continue
      for (const w of watches) {
        list.push(w.id)
        totals.fcrPending--
      }
      fcrWatch.delete(key)
    }
  }

  return { fcrWatch, forgetWatches, decideRepeat, fcrWindowEnded, awaitFcr, reopened, leave, settleFullResolution, fullResolutionTiming, creditResolution, setCsat }
}
