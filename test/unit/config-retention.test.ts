import t from 'tap'
import { parseConfig, defaultConfig } from '../../schemas/config.js'

t.test('retention has defaults and each field is validated by name', async (t) => {
  t.same(defaultConfig().retention, { events_days: 30, conversations_days: 400, rollups_days: 400 })
  t.same(parseConfig({ retention: { events_days: 7 } }).retention, { events_days: 7, conversations_days: 400, rollups_days: 400 })
  t.equal(parseConfig({ retention: { rollups_days: 0 } }).retention.rollups_days, 0, '0 keeps rows for ever')
  t.throws(() => parseConfig({ retention: { events_days: -1 } }), /invalid config field retention\.events_days/)
  t.throws(() => parseConfig({ retention: { conversations_days: 'a year' } }), /invalid config field retention\.conversations_days/)
  t.throws(() => parseConfig({ retention: { rollups_days: 1.5 } }), /invalid config field retention\.rollups_days/)
  t.throws(() => parseConfig({ retention: { raw_days: 3 } }), /invalid config field retention\.raw_days/)
})
