import t from 'tap'
import { createTextAnalyser, MAX_ANALYSED_CHARS } from '../../ingest/text/analyse.js'
import { createSentimentScorer } from '../../ingest/text/sentiment.js'
import { parseConfig } from '../../schemas/config.js'

const analyse = createTextAnalyser(parseConfig({ categories: { keywords: { billing: ['fattura'] } } }))
const score = createSentimentScorer()

t.test('only the first 8 KiB of a text is analysed: a 2.9 MiB paste scores as its opening', async (t) => {
  t.equal(MAX_ANALYSED_CHARS, 8192)
  const opening = 'Grazie mille, tutto perfetto! '
  const filler = 'ordine '.repeat(Math.ceil(MAX_ANALYSED_CHARS / 7))
  const tail = ' pessimo, che schifo, vergognoso, la fattura è sbagliata'.repeat(55_000)
  const huge = opening + filler + tail
  t.ok(huge.length > 2.9 * 1024 * 1024, `${(huge.length / 1024 / 1024).toFixed(2)} MiB`)
  const expected = score((opening + filler).slice(0, MAX_ANALYSED_CHARS))
  t.ok(expected !== null && expected > 0.25, `the opening is positive (${expected})`)
  t.same(analyse(huge), { sentiment: expected, keyword_category: null }, 'the negative words and "fattura" past 8 KiB are not read')
  // Control: the same words inside the bound do count.
  const early = analyse(opening + tail.slice(0, 2000))
  t.ok(early.sentiment !== null && early.sentiment < expected!, `inside the bound they lower the score (${early.sentiment})`)
  t.equal(early.keyword_category, 'billing')
})
