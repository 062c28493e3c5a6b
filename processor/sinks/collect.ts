/**
 * Turns what the core drained (changed conversations, effects, the clock's progress) into the
 * rows of the processor's tables. Live, replay and tests use this one collector.
 */
import type { Config } from '../../schemas/config.js'
import type { Effect } from '../core/effects.js'
import type { Engine } from '../core/engine.js'
import { agentRows, conversationRow, escalationRow, MinuteRollup, slaOutcomeRow, verdictRow, type MinuteCell } from './rows.js'


export interface RowBatch {
  conversations: ReturnType<typeof conversationRow>[]
  fcr_verdicts: ReturnType<typeof verdictRow>[]
  escalations: ReturnType<typeof escalationRow>[]
  sla_outcomes: ReturnType<typeof slaOutcomeRow>[]
  kpi_minute: ReturnType<MinuteRollup['drain']>
  agent_minute: ReturnType<typeof agentRows>
}

export type RowTable = keyof RowBatch
export const ROW_TABLES: readonly RowTable[] = ['conversations', 'fcr_verdicts', 'escalations', 'sla_outcomes', 'kpi_minute', 'agent_minute']

export const emptyBatch = (): RowBatch => ({ conversations: [], fcr_verdicts: [], escalations: [], sla_outcomes: [], kpi_minute: [], agent_minute: [] })
export const batchSize = (b: RowBatch) => ROW_TABLES.reduce((n, t) => n + b[t].length, 0)

export interface CollectorState {
  cells: Array<[string, MinuteCell]>
}

/**
 * `partition`: the stream partition this collector's engine reads (kpi_minute and agent_minute
 * rows are per partition; 0 for a replay or a processor reading the whole stream).
 */
export function createRowCollector(config: Config, initial?: CollectorState, partition = 0) {
  const rollup = new MinuteRollup(config, undefined, partition)
  if (initial) rollup.restore(initial.cells)

  return {
    /**
     * Rows for everything the engine drained, at `version` (a stream position that grows with
     * processing, so a later computation of a row replaces an earlier one). Effects are
     * returned too, for the other sinks.
     */
    collect(engine: Engine, version: number): { rows: RowBatch; effects: Effect[] } {
      const rows = emptyBatch()
      for (const c of engine.drainChanged()) rows.conversations.push(conversationRow(c, version, engine.view.slaRules, config.lines))
      const effects = engine.drainEffects()
      for (const e of effects) {
        rollup.add(e)
        if (e.type === 'fcr') rows.fcr_verdicts.push(verdictRow(e, version))
        else if (e.type === 'escalation') rows.escalations.push(escalationRow(e, version))
        else if (e.type === 'sla') rows.sla_outcomes.push(slaOutcomeRow(e, version))
        else if (e.type === 'agent_minute') rows.agent_minute.push(...agentRows(e, version, partition))
      }
      rows.kpi_minute = rollup.drain(version)
      return { rows, effects }
    },
    exportState(): CollectorState {
      return { cells: rollup.toState() }
    },
  }
}
export type RowCollector = ReturnType<typeof createRowCollector>
