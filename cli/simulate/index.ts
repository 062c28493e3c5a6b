/**
 * `deskpulse simulate`: a seeded day of WhatsApp helpdesk traffic as replay lines, with the KPI
 * summary the engine must report for it (docs/architecture.md "Replay and simulation").
 */
import type { Summary } from '../../schemas/summary.js'
import type { Plan } from './model.js'
import { planTraffic } from './plan.js'
import { render, type RenderStats } from './render.js'
import { computeTruth, type TruthDetail } from './truth.js'

export interface SimulateOptions {
  seed: number
  /** Conversations opened on the simulated day (lead-in days and campaign replies add a few). */
  conversations: number
  /** The simulated day, a date (or any ISO time on it) in Europe/Rome; default 2026-11-23. */
  start?: string
}

export interface Simulation {
  lines: string[]
  truth: Summary
  plan: Plan
  /** Per-conversation ground truth behind `truth`, for debugging a disagreement. */
  detail: TruthDetail
  stats: RenderStats
}

export function simulate(options: SimulateOptions): Simulation {
  const plan = planTraffic(options)
  const { summary, detail } = computeTruth(plan)
  const { lines, stats } = render(plan)
  return { lines, truth: summary, plan, detail, stats }
}

export type { Plan } from './model.js'
export type { TruthDetail } from './truth.js'
