/**
 * Agents needed for a team in one interval (docs/forecast.md "Staffing"): chat slots c = N·k for
 * N agents of concurrency k, traffic A = λ·h, and the smallest N with c > A, service level ≥ the
 * target and occupancy ≤ the cap; scheduled agents = ⌈N / (1 − shrinkage)⌉.
 */
import { erlangBStep, erlangCFromB, queueFigures, type QueueFigures } from './erlang.js'

export interface StaffingInput {
  /** λ: arrivals per second. */
  arrivalsPerSecond: number
  /** h: seconds a chat holds a slot (handled at the team's concurrency). */
  handleSeconds: number
  /** k: chats one agent runs at once (slots per agent), a whole number ≥ 1. */
  concurrency: number
  /** T: the answer-time target, seconds. */
  targetSeconds: number
  /** The service level to reach, 0–1: the share answered within T. */
  serviceLevel: number
  /** The occupancy cap A / c, 0–1 (the white paper's band: 0.85). */
  maxOccupancy: number
  /** The share of paid time agents are not available (breaks, training, absence), 0–1. */
  shrinkage: number
}

export interface Staffing extends QueueFigures {
  /** N: agents available to chat that the interval needs. */
  agents: number
  /** ⌈N / (1 − shrinkage)⌉: agents to schedule. */
  scheduled_agents: number
  /** A = λ·h, erlangs (busy slots on average). */
  traffic_erlangs: number
}

/** Safety stop: no team needs more agents than this (a million chat slots at k = 1). */
const MAX_AGENTS = 1_000_000

export function checkStaffingInput(input: StaffingInput): void {
  const { arrivalsPerSecond: l, handleSeconds: h, concurrency: k, targetSeconds: t, serviceLevel: s, maxOccupancy: o, shrinkage: r } = input
  if (!(l >= 0) || !Number.isFinite(l)) throw new RangeError('arrivals must be a finite number ≥ 0')
  if (!(h > 0) || !Number.isFinite(h)) throw new RangeError('handle seconds must be a finite number > 0')
  if (!Number.isInteger(k) || k < 1) throw new RangeError('concurrency must be a whole number ≥ 1')
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError('target seconds must be a finite number ≥ 0')
  if (!(s > 0 && s < 1)) throw new RangeError('service level must be between 0 and 1 (exclusive)')
  if (!(o > 0 && o <= 1)) throw new RangeError('max occupancy must be in (0, 1]')
  if (!(r >= 0 && r < 1)) throw new RangeError('shrinkage must be in [0, 1)')
}

/**
 * Walks N = 1, 2, … carrying the Erlang B recursion along the slots (c grows by k per agent), so
 * the whole search costs one pass over the slots of the answer: O(N·k).
 */
export function requiredAgents(input: StaffingInput): Staffing {
  checkStaffingInput(input)
  const { concurrency: k, handleSeconds: h, targetSeconds: t } = input
  const a = input.arrivalsPerSecond * h
  if (a === 0) return { agents: 0, scheduled_agents: 0, traffic_erlangs: 0, ...queueFigures(0, 0, h, t, 0) }
  let b = 1
  let slots = 0
  for (let n = 1; n <= MAX_AGENTS; n++) {
    for (let i = 0; i < k; i++) b = erlangBStep(++slots, a, b)
    if (slots <= a) continue
    const figures = queueFigures(slots, a, h, t, erlangCFromB(slots, a, b))
    if (figures.service_level >= input.serviceLevel && figures.occupancy <= input.maxOccupancy) {
      return { agents: n, scheduled_agents: Math.ceil(n / (1 - input.shrinkage) - 1e-9), traffic_erlangs: a, ...figures }
    }
  }
  throw new RangeError(`more than ${MAX_AGENTS} agents needed: check the arrivals and handle time`)
}
