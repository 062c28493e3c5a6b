/**
 * The staffing targets of a deployment (docs/forecast.md "Settings"): the service level defaults
 * to the first-response SLO, answered within thresholds.frt_target at slo.objective, so that the
 * forecast staffs for the promise the alerts hold the desk to.
 */
import type { Config } from '../schemas/config.js'

export interface StaffingSettings {
  serviceLevel: number
  targetSeconds: number
  maxOccupancy: number
  shrinkage: number
}

export function staffingSettings(config: Config): StaffingSettings {
  const f = config.forecast
  return {
    serviceLevel: f.service_level ?? config.slo.objective,
    targetSeconds: f.target_seconds ?? config.thresholds.frt_target,
    maxOccupancy: f.max_occupancy,
    shrinkage: f.shrinkage,
  }
}
