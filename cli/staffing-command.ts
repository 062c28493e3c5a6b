/**
 * `deskpulse staffing`: the agents one interval needs (docs/forecast.md "Staffing"), Erlang C over
 * chat slots, from the figures on the command line alone.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { requiredAgents } from '../forecast/staffing.js'

const number = (flag: string, ok: (n: number) => boolean, what: string) => (value: string) => {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`${flag} must be ${what}.`)
  return n
}

interface StaffingFlags {
  arrivalsPerHour: number
  handleSeconds: number
  concurrency: number
  targetSeconds: number
  serviceLevel: number
  maxOccupancy: number
  shrinkage: number
  json?: boolean
}

export function registerStaffing(program: Command): void {
  program
    .command('staffing')
    .description('agents needed for one interval: Erlang C over chat slots (N agents × concurrency k), occupancy cap and shrinkage')
    .requiredOption('--arrivals-per-hour <x>', 'chats arriving per hour', number('--arrivals-per-hour', (n) => n >= 0, 'a number ≥ 0'))
    .requiredOption('--handle-seconds <h>', 'seconds a chat holds an agent slot (at the concurrency below)', number('--handle-seconds', (n) => n > 0, 'a number > 0'))
    .option('--concurrency <k>', 'chats one agent handles at once', number('--concurrency', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1'), 1)
    .requiredOption('--target-seconds <t>', 'answer-time target, seconds', number('--target-seconds', (n) => n >= 0, 'a number ≥ 0'))
    .requiredOption('--service-level <s>', 'share answered within the target, e.g. 0.8', number('--service-level', (n) => n > 0 && n < 1, 'a number between 0 and 1'))
    .option('--max-occupancy <o>', 'occupancy cap (busy slots / slots)', number('--max-occupancy', (n) => n > 0 && n <= 1, 'a number in (0, 1]'), 0.85)
    .option('--shrinkage <r>', 'share of paid time not available for chats', number('--shrinkage', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), 0.3)
    .option('--json', 'print JSON')
    .action((f: StaffingFlags) => {
      const r = requiredAgents({
        arrivalsPerSecond: f.arrivalsPerHour / 3600,
        handleSeconds: f.handleSeconds,
        concurrency: f.concurrency,
        targetSeconds: f.targetSeconds,
        serviceLevel: f.serviceLevel,
        maxOccupancy: f.maxOccupancy,
        shrinkage: f.shrinkage,
      })
      const out = { agents: r.agents, scheduled_agents: r.scheduled_agents, service_level: r.service_level, occupancy: r.occupancy, asa_seconds: r.asa_seconds, p_wait: r.p_wait }
      if (f.json) return void process.stdout.write(`${JSON.stringify(out)}\n`)
      process.stdout.write(
        [
          `traffic        ${r.traffic_erlangs.toFixed(2)} erlangs (busy chat slots on average)`,
          `agents         ${r.agents} (${r.agents * f.concurrency} slots at ${f.concurrency} chat${f.concurrency === 1 ? '' : 's'} each)`,
          `scheduled      ${r.scheduled_agents} (shrinkage ${(f.shrinkage * 100).toFixed(0)} %)`,
          `service level  ${(r.service_level * 100).toFixed(1)} % answered within ${f.targetSeconds} s`,
          `occupancy      ${(r.occupancy * 100).toFixed(1)} %`,
          `ASA            ${r.asa_seconds.toFixed(1)} s`,
          `P(wait)        ${(r.p_wait * 100).toFixed(1)} %`,
        ].join('\n') + '\n',
      )
    })
}
