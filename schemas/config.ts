/**
 * Business rules (docs/kpis.md thresholds, business hours, teams, categories): one validated file
 * with defaults. A wrong value stops start-up with a message naming the field.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { IANAZone } from 'luxon'
import { HELPDESK_URL_MAX_LENGTH, helpdeskUrlProblem } from './helpdesk.js'
import { SlaConfig, holidayRegionProblem, slaProblem } from './sla-config.js'

const Seconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description })
/** Days of retention; 0 keeps the rows for ever. */
const Days = (def: number, description: string) => Type.Integer({ minimum: 0, maximum: 36_500, default: def, description })
const HHMM = Type.String({ pattern: '^([01]\\d|2[0-4]):[0-5]\\d$', description: 'local time HH:MM' })
/** A range may cross midnight ("22:00"–"02:00" runs into the next day). */
const Range = Type.Tuple([HHMM, HHMM], { description: 'an open range [from, to] in local time; "to" may be 24:00, and a "to" before "from" runs past midnight' })
const Day = Type.Optional(Type.Array(Range, { description: 'open ranges of this weekday (several allowed); a missing day is closed' }))

export const BusinessHours = Type.Object(
  {
    timezone: Type.String({ description: 'IANA time zone, e.g. Europe/Rome' }),
    /** Open ranges per weekday; a missing day is closed. */
    weekly: Type.Object(
      { mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day },
      { additionalProperties: false, description: 'open ranges per weekday (mon … sun); a missing day is closed' },
    ),
    /** Local dates (YYYY-MM-DD) closed all day. */
    holidays: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
        description: 'local dates (YYYY-MM-DD) closed all day besides the public holidays of country/region: no range starting on them counts',
      }),
    ),
    /** Public holidays from date-holidays (docs/sla.md "Calendars and holidays"). */
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: "ISO 3166 country code whose public holidays (date-holidays) are closed, e.g. IT" })),
    region: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{1,4}$', description: 'region (state, province) of country for date-holidays, e.g. BY for Bavaria' })),
    /** Local dates open on their weekday's ranges although a holiday. */
    open: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), {
        description: "local dates (YYYY-MM-DD) open on their weekday's ranges even when a public holiday or listed in holidays",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "a calendar (a line's or a team's): business-hours FRT and NRT count only open seconds, and escalation waits count only them unless thresholds.escalate_outside_hours",
  },
)
export type BusinessHours = Static<typeof BusinessHours>

export const LineConfig = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: 'a label for people, shown for the line on the wallboard and in its per-chat alerts (annotation line_name); metrics and alerts keep the line id as their label' })),
    /** Team of conversations on this line until an assignment names one. */
    team: Type.Optional(Type.String({ minLength: 1, description: 'team of conversations on this line until an assignment or handoff names one (else default_team)' })),
    /** Time zone of the line's peak-hours view, when it has no business hours. */
    timezone: Type.Optional(Type.String({ description: "IANA time zone of the line when it has no business_hours: its day (the wallboard's today) and peak hours; default UTC" })),
    business_hours: Type.Optional(BusinessHours),
    helpdesk_url: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: HELPDESK_URL_MAX_LENGTH,
        description:
          "link to a conversation in the helpdesk, {conversation} standing for the helpdesk's conversation id (events' helpdesk_conversation), e.g. https://chatwoot.example.com/app/accounts/1/conversations/{conversation}: an http(s) URL, the id URL-encoded, never in the host; the per-chat alert, the wallboard and the conversations table link with it",
      }),
    ),
    /**
     * Where the business's replies come from (docs/whatsapp-only.md). `helpdesk`: message.out
     * events (POST /v1/events, a helpdesk adapter, coexistence echoes). `statuses`: also a
     * business message known only from its status webhook (a wamid never seen before), for a
     * line with no helpdesk feed.
     */
    replies_from: Type.Optional(
      Type.Union([Type.Literal('helpdesk'), Type.Literal('statuses')], {
        default: 'helpdesk',
        description:
          'where replies come from: helpdesk (message.out events, the default) or statuses (WhatsApp-only: a business message known only from its status webhook counts as a reply)',
      }),
    ),
  },
  { additionalProperties: false, description: 'one WhatsApp business number, keyed by its phone_number_id' },
)

/** A Twilio WhatsApp address, `whatsapp:` and an E.164 number. */
export const TWILIO_WHATSAPP_ADDRESS = '^whatsapp:\\+[1-9][0-9]{6,14}$'

export const TwilioAdapterConfig = Type.Object(
  {
    /**
     * The URL Twilio calls, as set in the Twilio console, without its query string. Twilio signs
     * that URL; behind a proxy or TLS terminator the ingest sees another one (http, an inner host
     * or path), so the signature is checked against this one. Unset: the request's own scheme,
     * Host and path.
     */
    public_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s?#]+$', description: 'the webhook URL as Twilio calls it, without query string' })),
    /**
     * Business number (`whatsapp:+14155238886`) → line id. A line is a metric label and part of
     * every customer key: use the number's Meta phone_number_id to see the same line and the same
     * customers as a direct Cloud API or 360dialog feed. A number not listed is refused.
     */
    numbers: Type.Record(
      Type.String({ pattern: TWILIO_WHATSAPP_ADDRESS }),
      Type.String({ pattern: '^[\\x21-\\x7e]{1,32}$', description: 'line id: 1–32 printable ASCII characters' }),
      // Without it a key that is not a whatsapp:+ address would be accepted and never match.
      { default: {}, additionalProperties: false, description: 'business number (whatsapp:+E.164) → line id; a number not listed is refused (422)' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'POST /webhooks/twilio (docs/connect-twilio.md)' },
)

export const ConfigSchema = Type.Object(
  {
    thresholds: Type.Object(
      {
        escalate_after: Seconds(300, 'waiting time that breaches (docs/kpis.md "The five-minute rule (escalation)")'),
        escalate_after_negative: Seconds(180, 'breach limit when the newest waiting message is negative'),
        warn_before: Seconds(60, 'warning ahead of the breach'),
        negative_below: Type.Number({
          minimum: -1,
          maximum: 1,
          default: -0.25,
          description: 'a customer message with sentiment below this is negative (its waiting period uses escalate_after_negative)',
        }),
        escalate_outside_hours: Type.Boolean({ default: false, description: 'count waiting outside the line\'s business hours toward the escalation limits' }),
        page_max_age: Seconds(900, 'breaches older than this when found are recorded, not paged'),
        frt_target: Seconds(60, 'service-level target for first response'),
        reopen_window: Seconds(86_400, 'an inbound message this soon after resolution reopens'),
        inactivity_close: Seconds(86_400, 'auto-close after this long with no message'),
        csat_window: Seconds(86_400, 'a digit 1–5 this soon after a survey is a CSAT answer'),
        repeat_window: Seconds(604_800, 'FCR: no new conversation this long after resolution'),
        service_window: Seconds(86_400, "WhatsApp's customer service window"),
        window_closing_soon: Seconds(3_600, 'report waiting chats whose window closes within this'),
        /**
         * docs/kpis.md "Agents": the target band of agent load (mean of min(active / capacity, 1)). The
         * HelpdeskAgentsOverloaded alert fires above `high`; the dashboards shade the band.
         */
        load_band: Type.Object(
          {
            low: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.85, description: 'bottom of the target band of agent load' }),
            high: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.9, description: 'top of the target band: above it agents are overloaded' }),
          },
          { additionalProperties: false, default: {}, description: 'target band of agent load' },
        ),
      },
      { additionalProperties: false, default: {}, description: 'the KPI rules: escalation, windows, targets; durations in seconds (docs/kpis.md)' },
    ),
    slo: Type.Object(
      {
        objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'share of first responses within frt_target the service aims at' }),
        window_days: Type.Integer({ minimum: 1, default: 28, description: 'days the objective is measured over (error budget window)' }),
      },
      { additionalProperties: false, default: {}, description: 'first-response service-level objective (rules and dashboards)' },
    ),
    default_team: Type.String({ minLength: 1, default: 'general', description: 'team of conversations and agents no line, assignment, handoff or status names' }),
    teams: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'known team names, for people; not read by the engine (teams come from the events)' }),
    team_hours: Type.Record(Type.String({ minLength: 1 }), BusinessHours, {
      default: {},
      description: "per team: its calendar, which wins over the line's business_hours for the team's chats (docs/sla.md)",
    }),
    sla: SlaConfig,
    lines: Type.Record(Type.String(), LineConfig, { default: {}, description: 'per line (phone_number_id): team, time zone, business hours' }),
    categories: Type.Object(
      {
        /** Bot menu reply id → category. */
        menu: Type.Record(Type.String(), Type.String(), { default: {}, description: 'bot menu reply id (button or list reply id, quick-reply payload) → category' }),
        /** Category → keywords, in any language; matched on whole words, case and accents ignored. */
        keywords: Type.Record(Type.String(), Type.Array(Type.String({ minLength: 1 })), {
          default: {},
          description: 'category → keywords or phrases in any language, matched in customer texts on whole words, case and accents ignored',
        }),
      },
      { additionalProperties: false, default: {}, description: 'request types: a tag wins, then a menu reply, then keywords; else uncategorised' },
    ),
    agents: Type.Object(
      { default_capacity: Type.Integer({ minimum: 1, default: 3, description: 'capacity of an agent known only from assignments (no agent.status yet); an agent.status without capacity is taken as 3 by the ingest' }) },
      { additionalProperties: false, default: {}, description: 'agent defaults' },
    ),
    processing: Type.Object(
      {
        /** Events are put in event-time order within this lateness before the core sees them. */
        lateness_seconds: Seconds(0.1, 'live reorder window: the live state shows an event this long after its time at most, and a breach fires this long after its moment; events later than it are applied as they come and corrected (docs/pipeline.md "Latency and speed")'),
        replay_lateness_seconds: Seconds(60, 'replay reorder window'),
        dedup_days: Type.Integer({ minimum: 1, default: 8, description: 'how long event ids are remembered' }),
        /** `wall`: live, wall time drives timers once caught up; `event`: event time only (backfills, reproducible runs). */
        clock: Type.Union([Type.Literal('wall'), Type.Literal('event')], {
          default: 'wall',
          description: 'wall: once caught up, wall time drives timers; event: event time only (backfills, reproducible runs)',
        }),
        checkpoint_seconds: Type.Number({ exclusiveMinimum: 0, default: 10, description: 'how often the processor state is checkpointed and events acknowledged' }),
        /** Durable consumer and checkpoint name: processors with different names each see every event. */
        consumer_name: Type.String({
          pattern: '^[A-Za-z0-9_-]+$',
          default: 'processor',
          description: 'durable consumer and checkpoint name; processors with one name share the partitions, another name sees every event',
        }),
        /**
         * Partition lease time (processor/shell/leases.ts): a dead processor's partitions are taken
         * over within about this long. The first processor sets it on the KV bucket; later ones use the bucket's.
         */
        lease_seconds: Type.Number({ minimum: 1, maximum: 300, default: 6, description: 'partition lease time (takeover after a processor dies)' }),
        /**
         * WhatsApp stamps whole seconds and the helpdesk milliseconds: a human reply stamped up to
         * this long before the customer message that opens a conversation is that message's reply (FRT 0 s).
         */
        early_reply_seconds: Seconds(2, 'a human reply stamped this long before the opening message answers it (FRT 0 s)'),
        /** Replies to customers with no open conversation remembered for that pairing; the oldest go first. */
        early_replies_max: Type.Integer({ minimum: 0, default: 10_000, description: 'early replies remembered per partition (oldest evicted first)' }),
        /** kpi_minute cells are rewritten for this long of event time after their minute; later effects are not rolled up. */
        minute_rollup_hours: Type.Number({ exclusiveMinimum: 0, default: 48, description: 'how long a kpi_minute cell takes late effects' }),
      },
      { additionalProperties: false, default: {}, description: 'how the processor orders, dedups and checkpoints events' },
    ),
    /**
     * What the generated Prometheus rules and Grafana dashboards need besides the thresholds
     * (`deskpulse rules --config FILE`, `deskpulse dashboards --config FILE`; docs/alerting.md,
     * docs/grafana.md). The defaults are those of the committed artefacts.
     */
    monitoring: Type.Object(
      {
        /**
         * Where the alerts' `runbook_url` points: `${runbook_base}#<alert name in lowercase>`, a
         * section of docs/alerting.md. An absolute URL (Alertmanager's receivers, PagerDuty and
         * Slack show it as a link): set it to where your copy of the docs is served (e.g.
         * https://git.example.com/ops/deskpulse/blob/main/docs/alerting.md).
         */
        runbook_base: Type.String({
          pattern: '^https?://[^\\s#]+$',
          default: 'https://github.com/deskpulse/deskpulse/blob/main/docs/alerting.md',
          description: 'absolute runbook URL prefix of every alert (rules and per-chat): http(s)://…/docs/alerting.md',
        }),
        /** Grafana's address as people open it: the alerts' `dashboard_url` annotations link there. */
        grafana_url: Type.String({ pattern: '^https?://[^\\s#?]+$', default: 'http://localhost:3000', description: "Grafana's URL (no trailing path): the alerts' dashboard_url links" }),
        /**
         * Label matchers added to every selector of the rules and dashboards beside the job, e.g.
         * `namespace="helpdesk"` or `cluster="eu-1"`, when one Prometheus scrapes several
         * deskpulse deployments.
         */
        selector: Type.String({ pattern: '^$|^[a-zA-Z_][a-zA-Z0-9_]*\\s*(=|!=|=~|!~)\\s*"[^"]*"(\\s*,\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(=|!=|=~|!~)\\s*"[^"]*")*$', default: '', description: 'extra PromQL label matchers for every rule and panel selector, e.g. namespace="helpdesk"' }),
        /** Prometheus job names of the scrape configuration (alerting/prometheus.yml). */
        jobs: Type.Object(
          {
            ingest: Type.String({ pattern: '^[A-Za-z0-9_.:-]+$', default: 'deskpulse-ingest', description: "Prometheus job name of the ingest's /metrics" }),
            processor: Type.String({ pattern: '^[A-Za-z0-9_.:-]+$', default: 'deskpulse-processor', description: "Prometheus job name of the processor's /metrics" }),
          },
          { additionalProperties: false, default: {}, description: 'Prometheus job names the rules and dashboards select' },
        ),
        /** Default of the dashboards' `tz` variable (the peak-hours view). */
        dashboard_timezone: Type.String({ default: 'Europe/Rome', description: "IANA time zone: default of the dashboards' tz variable (peak hours)" }),
      },
      { additionalProperties: false, default: {}, description: 'what the generated Prometheus rules and Grafana dashboards need besides the thresholds' },
    ),
    /** What the ingest accepts (docs/ingest.md "Event time"). */
    ingest: Type.Object(
      {
        max_future_skew_seconds: Seconds(300, 'event times later than now + this: helpdesk events refused (422), webhook item times clamped to the receive time'),
      },
      { additionalProperties: false, default: {}, description: 'what the ingest accepts' },
    ),
    /** Helpdesks and providers with webhooks of their own (docs/connect-chatwoot.md, docs/connect-twilio.md). */
    adapters: Type.Object(
      {
        chatwoot: Type.Object(
          {
            /**
             * Chatwoot inbox id → line (the phone_number_id of the WhatsApp number behind the
             * inbox). Events of other inboxes (email, website, …) are answered 200 and ignored.
             */
            inboxes: Type.Record(Type.String({ pattern: '^[0-9]{1,12}$' }), Type.String({ pattern: '^[\\x21-\\x7e]{1,32}$' }), {
              default: {},
              description: 'Chatwoot inbox id → line (phone_number_id); events of unmapped inboxes are ignored',
            }),
            allow_unsigned: Type.Boolean({
              default: false,
              description: 'accept unsigned POST /webhooks/chatwoot (Chatwoot before 4.11.2 does not sign); signed requests are always checked',
            }),
            timestamp_tolerance_seconds: Type.Integer({
              minimum: 1,
              maximum: 3_600,
              default: 300,
              description: 'X-Chatwoot-Timestamp further than this from now is refused (401): a captured request cannot be replayed later',
            }),
          },
          { additionalProperties: false, default: {}, description: 'POST /webhooks/chatwoot (docs/connect-chatwoot.md)' },
        ),
        twilio: TwilioAdapterConfig,
      },
      { additionalProperties: false, default: {}, description: 'helpdesks and WhatsApp providers with webhooks of their own: Chatwoot, Twilio' },
    ),
    /**
     * Arrival forecast and staffing (docs/forecast.md). The service-level target defaults to the
     * first-response SLO: answered within thresholds.frt_target at slo.objective.
     */
    forecast: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'the processor recomputes the forecast in the background and serves it on GET /v1/forecast and /metrics' }),
        interval: Type.Union([Type.Literal('15m'), Type.Literal('1h')], { default: '1h', description: 'forecast interval of the processor (the CLI takes --interval)' }),
        horizon_days: Type.Integer({ minimum: 1, maximum: 14, default: 7, description: 'days ahead the processor forecasts' }),
        history_days: Type.Integer({ minimum: 1, maximum: 400, default: 56, description: 'days of ClickHouse history the models learn from (8 weeks)' }),
        refresh_seconds: Type.Integer({ minimum: 10, default: 900, description: 'how often the processor recomputes the forecast in the background' }),
        shrinkage: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.3, description: 'share of paid agent time not available for chats (breaks, training, absence): scheduled = ⌈agents / (1 − shrinkage)⌉' }),
        max_occupancy: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.85, description: 'occupancy cap of the staffing (busy slots / slots): the white paper\'s 85–90 % band starts here' }),
        service_level: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'share of chats to answer within target_seconds; default slo.objective' })),
        target_seconds: Type.Optional(Type.Number({ minimum: 0, description: 'answer-time target of the staffing, seconds; default thresholds.frt_target' })),
        concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'chats an agent runs at once; default measured per team from agent_minute (else agents.default_capacity)' })),
        handle_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds a chat holds an agent slot; default measured per team (assignment to resolution)' })),
        holiday_country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$', description: 'public holidays of this country (date-holidays code, e.g. IT) get no arrivals, as lines.<id>.business_hours.holidays do' })),
        understaffed_for_seconds: Type.Integer({ minimum: 1, default: 600, description: "the for: of HelpdeskUnderstaffedSoon (the rules are built from the config)" }),
      },
      { additionalProperties: false, default: {}, description: 'arrival forecast, Erlang C staffing and the understaffing alert (docs/forecast.md)' },
    ),
    /** Supervisor advice (docs/advice.md): workload imbalance, rebalance moves, automation ranking, timelines. */
    advice: Type.Object(
      {
        spare_below: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.85, description: 'an online agent whose load (active ÷ capacity) is below this has room: teammates over capacity count as imbalanced, and rebalance moves go to such agents' }),
        imbalanced_for_seconds: Type.Integer({ minimum: 1, default: 300, description: 'the for: of HelpdeskWorkloadImbalanced (the rules are built from the config)' }),
        target_containment: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.6, description: 'bot containment aimed at per category: deskpulse advise automation counts the agent-hours saved if the bot contained this share of the category\'s conversations' }),
        min_conversations: Type.Integer({ minimum: 1, default: 10, description: 'categories × lines with fewer conversations (fewer bot conversations for "bot is hurting here") are left out of the automation advice' }),
        timeline_text: Type.Boolean({ default: false, description: 'show message text in conversation timelines; text exists only when DESKPULSE_STORE_TEXT=true kept it (docs/advice.md "Privacy")' }),
        per_agent_views: Type.Boolean({ default: true, description: 'false hides agent ids in timelines and per-agent utilisation in reports, for jurisdictions restricting employee monitoring (docs/advice.md "Privacy")' }),
      },
      { additionalProperties: false, default: {}, description: 'supervisor advice: workload imbalance and rebalance, automation ranking, conversation timelines (docs/advice.md)' },
    ),
    /** ClickHouse TTLs (store/retention.ts), applied by `deskpulse migrate` and at start-up. */
    retention: Type.Object(
      {
        events_days: Days(30, 'raw events (table events), by event time; 0 keeps them for ever'),
        conversations_days: Days(400, 'conversations, by opening time; 0 keeps them for ever'),
        rollups_days: Days(400, 'kpi_minute and agent_minute by minute, escalations and sla_outcomes by waiting or target start; 0 keeps them for ever'),
      },
      { additionalProperties: false, default: {}, description: 'ClickHouse TTLs in days, applied by deskpulse migrate and at start-up' },
    ),
  },
  { additionalProperties: false },
)
export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  readonly code = 'DESKPULSE_ERR_CONFIG'
}

const fieldOf = (path: string) => path.split('/').filter(Boolean).join('.') || '(root)'

/** Validates a parsed config object, filling defaults. */
export function parseConfig(input: unknown): Config {
  const value = Value.Default(ConfigSchema, structuredClone(input ?? {}))
  const first = Value.Errors(ConfigSchema, value).First()
  if (first) throw new ConfigError(`invalid config field ${fieldOf(first.path)}: ${first.message}`)
  const config = value as Config
  for (const [id, line] of Object.entries(config.lines)) {
    for (const [field, zone] of [['business_hours.timezone', line.business_hours?.timezone], ['timezone', line.timezone]] as const) {
      if (zone !== undefined && !IANAZone.isValidZone(zone)) throw new ConfigError(`invalid config field lines.${id}.${field}: unknown time zone "${zone}"`)
    }
    const linkProblem = line.helpdesk_url === undefined ? null : helpdeskUrlProblem(line.helpdesk_url)
    if (linkProblem) throw new ConfigError(`invalid config field lines.${id}.helpdesk_url: ${linkProblem}`)
  }
  for (const [team, bh] of Object.entries(config.team_hours)) {
    if (!IANAZone.isValidZone(bh.timezone)) throw new ConfigError(`invalid config field team_hours.${team}.timezone: unknown time zone "${bh.timezone}"`)
  }
  const calendars = [...Object.entries(config.lines).flatMap(([id, l]) => (l.business_hours ? [[`lines.${id}.business_hours`, l.business_hours] as const] : [])), ...Object.entries(config.team_hours).map(([team, bh]) => [`team_hours.${team}`, bh] as const)]
  for (const [field, bh] of calendars) {
    const problem = holidayRegionProblem(bh)
    if (problem) throw new ConfigError(`invalid config field ${field}.${problem.field}: ${problem.message}`)
  }
  const sla = slaProblem(config.sla, config.thresholds)
  if (sla) throw new ConfigError(`invalid config field ${sla[0]}: ${sla[1]}`)
  if (!IANAZone.isValidZone(config.monitoring.dashboard_timezone)) {
    throw new ConfigError(`invalid config field monitoring.dashboard_timezone: unknown time zone "${config.monitoring.dashboard_timezone}"`)
  }
  if (config.thresholds.load_band.low > config.thresholds.load_band.high) {
    throw new ConfigError('invalid config field thresholds.load_band.low: must not be above thresholds.load_band.high')
  }
  if (config.thresholds.warn_before >= Math.min(config.thresholds.escalate_after, config.thresholds.escalate_after_negative)) {
    throw new ConfigError('invalid config field thresholds.warn_before: must be less than the escalation limits')
  }
  return config
}

export const defaultConfig = (): Config => parseConfig({})

/** Reads DESKPULSE_CONFIG (JSON or YAML); no file means the defaults. */
export function loadConfig(path: string | undefined): Config {
  if (!path) return defaultConfig()
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`)
  }
  return parseConfig(parsed)
}

/**
 * The runbook section of an alert (`monitoring.runbook_base`): docs/alerting.md has one heading
 * per alert name, the anchor its name in lowercase. Used by the generated rules
 * (alerting/src/rule.ts) and the processor's per-chat HelpdeskChatEscalation alerts alike.
 */
export const runbookUrl = (base: string, alert: string): string => `${base}#${alert.toLowerCase()}`

/** The lines given a `name`, id → name: what the wallboard and the per-chat alerts show for them. */
export function lineNames(config: Config): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [id, line] of Object.entries(config.lines)) if (line.name) out[id] = line.name
  return out
}

/** Team and time zone of a line, with the defaults applied. */
export function lineTeam(config: Config, line: string | null): string {
  return (line && config.lines[line]?.team) || config.default_team
}

/** A line's time zone: its business hours', else its own `timezone`, else UTC. */
export function lineZone(config: Config, line: string | null): string {
  const lc = line ? config.lines[line] : undefined
  return lc?.business_hours?.timezone ?? lc?.timezone ?? 'UTC'
}
