import t from 'tap'
import { createSentimentScorer, NEGATIVE_EXAMPLES, NEUTRAL_EXAMPLES, POSITIVE_EXAMPLES } from '../../ingest/text/sentiment.js'

const score = createSentimentScorer()
const isNeutral = (x: number | null) => x === null || (x >= -0.25 && x <= 0.25)
const near = (x: number | null, expected: number) => x !== null && Math.abs(x - expected) < 1e-9

t.test('clearly negative messages score below -0.25', async (t) => {
  const texts = [
    'Sono molto arrabbiato, il servizio è pessimo e nessuno mi risponde',
    'Vergognoso, ordine mai arrivato',
    'This is terrible, I am really angry, nobody answers',
    'Servizio clienti pessimo, non vi consiglio a nessuno',
    'Il prodotto non funziona, sono molto deluso',
    'Che schifo, mi avete addebitato due volte',
    'Non sono per niente soddisfatto',
    'sono delusissima, mai più',
    'Worst shop ever, the parcel arrived damaged',
    "I'm not happy at all, this is unacceptable",
    'It doesn’t work and your support is useless',
  ]
  for (const text of texts) {
    const x = score(text)
    t.ok(x !== null && x < -0.25, `${text} → ${x}`)
  }
})

t.test('clearly positive messages score above +0.25', async (t) => {
  const texts = [
    'Grazie mille, tutto perfetto!',
    'Great service, thank you so much',
    'Ottimo servizio, complimenti',
    'Gentilissimi, grazie per la pazienza',
    'Sono molto soddisfatta del prodotto',
    'Excellent support, really fast',
    'Thanks, everything works perfectly now',
    "I'm really happy, the problem is solved",
  ]
  for (const text of texts) {
    const x = score(text)
    t.ok(x !== null && x > 0.25, `${text} → ${x}`)
  }
})

t.test('texts without sentiment words are null', async (t) => {
  for (const text of ['ok', 'OK', 'Ok.', '12', '12345', "Il mio numero d'ordine è 4711", '👍', '🙏🙏 😊', '', '   ', '?!']) {
    t.equal(score(text), null, JSON.stringify(text))
  }
})

t.test('neutral questions stay within the neutral band', async (t) => {
  for (const text of ['Buongiorno, a che ora aprite?', 'Can I pay cash on delivery?', 'Come posso fare il reso?', 'What time do you open tomorrow?']) {
    const x = score(text)
    t.ok(isNeutral(x), `${text} → ${x}`)
  }
})

t.test('normalisation: one word lands on its lexicon weight, agreeing words add up, clamped to ±1', async (t) => {
  // pattern_it: "pessimo" −0.83, "grazie" +0.5 → 2·w / (1 + 1) = w
  t.ok(near(score('Pessimo'), -0.83), `Pessimo → ${score('Pessimo')}`)
  t.ok(near(score('Grazie'), 0.5), `Grazie → ${score('Grazie')}`)
  // two agreeing words: 2·(−0.83 − 1) / 3 = −1.22 → −1
  t.equal(score('Pessimo, orribile'), -1)
  // mixed: 2·(0.5 − 0.83) / 3 = −0.22, neutral
  t.ok(near(score('Grazie, ma il prodotto è pessimo'), (2 * (0.5 - 0.83)) / 3))
})

t.test('negation flips the next sentiment word only, within its clause', async (t) => {
  const plain = score('Sono soddisfatto')
  const negated = score('Non sono soddisfatto')
  t.ok(plain !== null && plain > 0.25, `Sono soddisfatto → ${plain}`)
  t.ok(negated !== null && negated < -0.25, `Non sono soddisfatto → ${negated}`)
  t.ok(near(negated, -(plain ?? 0)))
  const happy = score('I am happy')
  t.ok(near(score('I am not happy'), -(happy ?? 0)))
  // the negation ends at the comma: "terrible" stays negative
  const x = score("It doesn't work, terrible service")
  t.ok(x !== null && x < -0.25, `→ ${x}`)
  // "non funziona" is a complaint, "funziona" alone is no praise
  t.ok(near(score('Non funziona'), -0.5))
  t.equal(score('Funziona?'), null)
})

t.test('Italian superlatives weigh more than their base word', async (t) => {
  const base = score('gentili')
  const superlative = score('gentilissimi')
  t.ok(base !== null && superlative !== null && superlative > base, `${base} < ${superlative}`)
})

t.test('every result is within [-1, 1]', async (t) => {
  const texts = [
    ...NEGATIVE_EXAMPLES,
    ...POSITIVE_EXAMPLES,
    ...NEUTRAL_EXAMPLES,
    'pessimo '.repeat(500),
    'great '.repeat(500),
    'constructor __proto__ toString hasOwnProperty valueOf',
    'ＦＵＬＬＷＩＤＴＨ текст 中文 العربية',
    'a'.repeat(10_000),
  ]
  for (const text of texts) {
    const x = score(text)
    t.ok(x === null || (Number.isFinite(x) && x >= -1 && x <= 1), `${text.slice(0, 40)} → ${x}`)
  }
})

t.test('deterministic: same text, same score, across calls, scorers and cache resets', async (t) => {
  const texts = [...NEGATIVE_EXAMPLES, ...POSITIVE_EXAMPLES, ...NEUTRAL_EXAMPLES]
  const first = texts.map(score)
  t.same(texts.map(score), first)
  t.same(texts.map(createSentimentScorer()), first)
  // push the bounded stem cache past its limit, then score again
  for (let i = 0; i < 25_000; i++) score(`parola${i} word${i}`)
  t.same(texts.map(score), first)
})

t.test('the example lists are classified reliably', async (t) => {
  t.ok(NEGATIVE_EXAMPLES.length >= 10 && POSITIVE_EXAMPLES.length >= 10 && NEUTRAL_EXAMPLES.length >= 10)
  for (const text of NEGATIVE_EXAMPLES) {
    const x = score(text)
    t.ok(x !== null && x < -0.25, `negative: ${text} → ${x}`)
  }
  for (const text of POSITIVE_EXAMPLES) {
    const x = score(text)
    t.ok(x !== null && x > 0.25, `positive: ${text} → ${x}`)
  }
  for (const text of NEUTRAL_EXAMPLES) {
    const x = score(text)
    t.ok(isNeutral(x), `neutral: ${text} → ${x}`)
  }
})
