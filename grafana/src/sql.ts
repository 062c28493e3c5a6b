/**
 * SQL fragments the ClickHouse panels share. Reads follow docs/pipeline.md: every table replaces
 * rows by `version`, so each read is `FINAL`; `kpi_minute` and `agent_minute` hold one row per
 * stream partition, summed (or, for the agents' online time, taken once) over `partition`.
 */

/** The `line` variable as a filter on a column (1=1 for All). */
export const lineFilter = (column = 'line') => `$__conditionalAll(${column} IN (\${line:singlequote}), $line)`
/** The `team` variable as a filter on a column (1=1 for All). */
export const teamFilter = (column = 'team') => `$__conditionalAll(${column} IN (\${team:singlequote}), $team)`

/** Conversations opened in the time range, for the selected lines and teams (one row each). */
export const conversationsInRange = (columns = '*') =>
  `SELECT ${columns} FROM conversations FINAL WHERE $__timeFilter(opened_at) AND ${lineFilter()} AND ${teamFilter()}`

/** The per-minute rollup in the time range, for the selected lines and teams (still per partition). */
export const kpiMinutesInRange = (columns = '*') =>
  `SELECT ${columns} FROM kpi_minute FINAL WHERE $__timeFilter(minute) AND ${lineFilter()} AND ${teamFilter()}`

/** Service level of a set of first-response samples (docs/kpis.md: share within `frt_target`). */
export const serviceLevel = (frtTargetSeconds: number, column = 'frt_seconds') => `countIf(${column} <= ${frtTargetSeconds}) / nullIf(count(${column}), 0)`

/** CSAT % as a share: (4s + 5s) / responses (docs/kpis.md "Outcomes"). */
export const csatShare = (column = 'csat') => `countIf(${column} >= 4) / nullIf(count(${column}), 0)`

/** The empty category is "uncategorised" (docs/kpis.md "Volume and mix"). */
export const categoryName = (column = 'category') => `if(${column} = '', 'uncategorised', ${column})`
