/** The deskpulse dashboards, and their JSON as committed in grafana/dashboards/. */
import type { DashboardDefinition } from './dashboard.js'
import { THRESHOLDS, type DashboardThresholds } from './config.js'
import { liveOperations } from './dashboards/live-operations.js'
import { conversations } from './dashboards/conversations.js'
import { agents } from './dashboards/agents.js'
import { botsDelivery } from './dashboards/bots-delivery.js'
import { pipeline } from './dashboards/pipeline.js'
import { forecast } from './dashboards/forecast.js'
import { sla } from './dashboards/sla.js'
import { advice } from './dashboards/advice.js'
import { applyConventions, forImport } from './conventions.js'

export const DASHBOARDS: readonly DashboardDefinition[] = [liveOperations, conversations, agents, botsDelivery, pipeline, forecast, sla, advice]

/**
 * The file grafana/dashboards/<file> must hold for a dashboard: its JSON, two-space indented; for
 * a deployment config's figures (`dashboardThresholds(config)`), the defaults' when none.
 */
export const renderDashboard = (d: DashboardDefinition, s: DashboardThresholds = THRESHOLDS): string => `${JSON.stringify(applyConventions(d.build(s), s), null, 2)}\n`

/** The file grafana/import/<file> must hold: the same dashboard in Grafana's export-for-sharing form (`__inputs`). */
export const renderDashboardForImport = (d: DashboardDefinition, s: DashboardThresholds = THRESHOLDS): string =>
  `${JSON.stringify(forImport(applyConventions(d.build(s), s) as unknown as Record<string, unknown>), null, 2)}\n`

export type { DashboardDefinition } from './dashboard.js'
