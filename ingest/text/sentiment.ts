import { createRequire } from 'node:module'

/**
 * Sentiment of a customer's WhatsApp message, computed on the ingest so the text never has to
 * leave it. Returns a score in [-1, 1], or null when the text holds no sentiment-bearing word in
 * either language ("ok", "12345", an emoji-only text).
 */
export type SentimentScorer = (text: string) => number | null

/*
 * Why not `new SentimentAnalyzer().process()`: nlp.js's analyzer is async only (its pipeline
 * awaits every step), and the ingest scores on its synchronous hot path. The work underneath is
 * synchronous, and this module does it from the same pieces of @nlpjs/lang-it and @nlpjs/lang-en:
 *   normalise (NFD, strip diacritics, lower-case) → tokenize → Snowball-stem each token → look the
 *   stem up in the pack's lexicon (Italian: `pattern`, English: `senticon`) → sum, a word after a
 *   negator counting with the opposite sign.
 * Each language is scored separately; the one with more sentiment hits wins (ties: Italian), no
 * hit in either → null; the winner's sum is then mapped into [-1, 1] by `normalise` below.
 *
 * Deliberate differences from `SentimentAnalyzer.calculate`:
 *   - a negator flips only the first sentiment word among the next NEGATION_WINDOW content words of
 *     its clause (nlp.js flips every word to the end of the text, so "doesn't work, terrible service"
 *     came out positive), and is not itself a hit; Italian gets "non" and "senza" (the pack's list
 *     is empty, so "non sono soddisfatto" was positive);
 *   - stopwords of both packs, and words sharing their stem, are never hits (the English lexicon
 *     scores "to" +0.38, "come" +0.88, "getting" +0.38);
 *   - NOT_SENTIMENT, WEIGHTS and WHEN_NEGATED patch the lexicons for helpdesk chat, and Italian
 *     superlatives fall back to their base word; see each table for why;
 *   - weight-0 entries are not hits, and lookups go through a Map (a plain object answers
 *     "constructor" with a function, and nlp.js then adds NaN to the score);
 *   - typographic apostrophes (WhatsApp on iOS) are straightened so "doesn’t" still negates, and
 *     emoji end a clause and are never words;
 *   - the tokenizer's and stemmer's unbounded caches (whole texts kept for an hour) are bypassed;
 *     a bounded cache of stems replaces them.
 */

// ---- minimal typings of the CommonJS pieces of @nlpjs used here ----------------------------------

interface NlpNormalizer {
  normalize(text: string): string
}
interface NlpTokenizer {
  innerTokenize(text: string): string[]
}
/** The Snowball machinery of @nlpjs/core's BaseStemmer, without its unbounded cache. */
interface NlpSnowballStemmer {
  setCurrent(word: string): void
  innerStem(): unknown
  getCurrent(): string
}
interface NlpStopwords {
  dictionary: Record<string, boolean>
}
interface NlpSentimentPack {
  senticon?: Record<string, number>
  pattern?: Record<string, number>
  afinn?: Record<string, number>
  negations: { words: string[] }
}
type Ctor<T> = new () => T
interface NlpLangItModule {
  NormalizerIt: Ctor<NlpNormalizer>
  TokenizerIt: Ctor<NlpTokenizer>
  StemmerIt: Ctor<NlpSnowballStemmer>
  StopwordsIt: Ctor<NlpStopwords>
  SentimentIt: NlpSentimentPack
}
interface NlpLangEnModule {
  NormalizerEn: Ctor<NlpNormalizer>
  TokenizerEn: Ctor<NlpTokenizer>
  StemmerEn: Ctor<NlpSnowballStemmer>
  StopwordsEn: Ctor<NlpStopwords>
  SentimentEn: NlpSentimentPack
}

const require = createRequire(import.meta.url)

// ---- tuning ---------------------------------------------------------------------------------------

type Lang = 'it' | 'en'

/** A negator flips the first sentiment word among the next this-many content words (stopwords skipped). */
const NEGATION_WINDOW = 3

/** Words that negate what follows, on top of the pack's own list (en: not, no, never, neither). */
const EXTRA_NEGATORS: Record<Lang, string[]> = {
  it: ['non', 'senza'], // not "né": stripped of its accent it is the pronoun "ne"
  en: ['without', 'nor'],
}

/**
 * Patches to the packs' lexicons, written as words: each is stemmed like the text, so a patch
 * covers every word of its stem (and any other word that shares it).
 *
 * NOT_SENTIMENT removes stems. The English lexicon (ML-SentiCon) weighs nearly every word
 * ("order" +0.33, "week" +0.38, "pay" +0.5, "ok" +0.75, "number" −0.38, "able" +0.69), the Italian
 * one a few ("pacco" and "pagamento" −0.5, "tipo" and "fine" +0.5); left in, a plain question such
 * as "Can I pay cash on delivery?" scored +0.58. The lists hold the vocabulary of a helpdesk chat
 * (orders, delivery, payment, opening hours, contact, time) plus hedges and fillers.
 * WEIGHTS adds complaint and praise words that are missing ("arrabbiato", "schifo", "terrible",
 * "awful", "worst") and fixes mis-scored ones ("terribile" 0, "bad" +0.25, "late" +0.38).
 */
const NOT_SENTIMENT: Record<Lang, string> = {
  it: `
    numero pacco pagamento attesa ancora nuovo modello comprensivo fine saldi sale sconto aperto
    chiuso sera colore passare ultimo serve sito nessuno gratis gratuita dettagli responsabile
    persona accesso piccola grande presto completamente sicuramente esattamente lavoro totale
    importo pieno intero tipo modo motivo colpa leggere lasciare giusto accettare vale`,
  en: `
    ok okay yes hello order number service waiting please help kind right just sorry
    week day hour time today tomorrow morning afternoon evening night month year later open close
    opening arrive delivery ship send sent pay paid cash card credit transfer price cost fee tax
    total full extra size small large fit colour color black model item product stock available
    unavailable sold package parcel store shop location local international return exchange swap
    replace replacement repair warranty condition label collect cancel account email address home
    name company call back speak operator staff manager person someone friend wife husband child
    question request reason method choice know let check track link button document information
    details mobile chat use add another second last whole part possible gift sell sale discount
    free dispatch end long pick place will public holiday courier receipt invoice confirm received new
    first photo experience accept want need money quality support care able buy purchase give
    made tell wonder hope think believe feel seem look watch try change move wait go bring hand
    probably actually totally completely definitely exactly often sometime correct
    enough guide
    fine favore ordine mandate salve state mille due`, // "fine", and Italian words on English stems
}

const WEIGHTS: Record<Lang, Record<string, number>> = {
  it: {
    problema: -0.25, // reporting a problem is not yet a complaint
    buono: 0.25, // "buono regalo", "buon fine", "buona giornata"
    arrabbiato: -0.75,
    schifo: -1,
    scandaloso: -0.83,
    terribile: -0.83,
    rotto: -0.5,
    danneggiato: -0.5,
    incompetenti: -0.75,
    maleducato: -0.75,
    truffa: -0.75,
    truffatori: -0.83,
    vergognatevi: -0.75,
    stufo: -0.67,
    inesistente: -0.5,
    ritardo: -0.33,
    cortese: 0.5,
    risolto: 0.75, // "problema risolto": the outcome a helpdesk customer praises
  },
  en: {
    problem: -0.25,
    bad: -0.5,
    terrible: -0.83,
    awful: -0.83,
    worst: -1,
    ridiculous: -0.5,
    broken: -0.5,
    scam: -0.75,
    joke: -0.5,
    nightmare: -0.75,
    crash: -0.5,
    late: -0.25,
    disappointed: -0.5,
    frustrated: -0.5,
    useless: -0.5,
    unacceptable: -0.67,
    annoyed: -0.5,
    excellent: 0.83,
    amazing: 0.75,
    wonderful: 0.75,
    fantastic: 0.83,
    solved: 0.75,
    fast: 0.5,
    quick: 0.5,
  },
}

/**
 * Words that carry sentiment only after a negator: "non funziona", "doesn't work", "non risponde
 * nessuno", "no reply" are the commonest complaints, while "funziona?" or "I work until 6" are not
 * praise. Negated, they count as the opposite of the weight given here.
 */
const WHEN_NEGATED: Record<Lang, Record<string, number>> = {
  it: { funziona: 0.5, risponde: 0.5, risposta: 0.5 },
  en: { work: 0.5, answer: 0.5, reply: 0.5, respond: 0.5 },
}

/** Italian superlatives ("gentilissimi", "delusissima") weigh this much more than their base word. */
const SUPERLATIVE_GAIN = 1.5
const ITALIAN_SUPERLATIVE = /^(\p{L}{3,}?)issim[oaie]$/u

// ---- model ----------------------------------------------------------------------------------------

interface LanguageModel {
  tokenize(clause: string): string[]
  /** Lexicon weight of a (normalised, non-stop) token, or undefined when it carries none. */
  weight(token: string): number | undefined
  /** Weight of a token that only counts after a negator (WHEN_NEGATED). */
  negatedWeight(token: string): number | undefined
  negators: Set<string>
  stopwords: Set<string>
}

/** Stems kept per language; when full the cache starts over (a few MB at most, no texts). */
const STEM_CACHE_LIMIT = 20_000

function snowball(stemmer: NlpSnowballStemmer): (token: string) => string {
  let cache = new Map<string, string>()
  return (token) => {
    let stem = cache.get(token)
    if (stem === undefined) {
      stemmer.setCurrent(token)
      stemmer.innerStem()
      stem = stemmer.getCurrent().trim()
      if (cache.size >= STEM_CACHE_LIMIT) cache = new Map()
      cache.set(token, stem)
    }
    return stem
  }
}

function buildModel(
  lang: Lang,
  tokenizer: NlpTokenizer,
  stemmer: NlpSnowballStemmer,
  pack: NlpSentimentPack,
  stopwords: Set<string>,
): LanguageModel {
  const source = pack.senticon ?? pack.pattern ?? pack.afinn
  if (source === undefined) throw new Error(`@nlpjs/lang-${lang} ships no sentiment lexicon`)
  const stem = snowball(stemmer)
  const lexicon = new Map<string, number>()
  for (const [word, weight] of Object.entries(source)) if (weight !== 0) lexicon.set(word, weight)
  for (const word of NOT_SENTIMENT[lang].split(/\s+/)) if (word !== '') lexicon.delete(stem(word))
  for (const word of stopwords) lexicon.delete(stem(word)) // "getting" as well as "get"
  for (const [word, weight] of Object.entries(WEIGHTS[lang])) lexicon.set(stem(word), weight)
  const whenNegated = new Map(Object.entries(WHEN_NEGATED[lang]).map(([word, weight]) => [stem(word), weight]))
  for (const key of whenNegated.keys()) lexicon.delete(key)
  const negators = new Set([...pack.negations.words, ...EXTRA_NEGATORS[lang]])
  const weight = (token: string): number | undefined => {
    const found = lexicon.get(stem(token))
    if (found !== undefined || lang !== 'it') return found
    const superlative = ITALIAN_SUPERLATIVE.exec(token)
    if (superlative === null) return undefined
    const base = lexicon.get(stem(`${superlative[1]}o`))
    return base === undefined ? undefined : Math.max(-1, Math.min(1, base * SUPERLATIVE_GAIN))
  }
  return {
    tokenize: (clause) => tokenizer.innerTokenize(clause),
    weight,
    negatedWeight: (token) => whenNegated.get(stem(token)),
    negators,
    stopwords: new Set([...stopwords].filter((word) => !negators.has(word))),
  }
}

interface Tally {
  sum: number
  hits: number
}

function tally(model: LanguageModel, clauses: string[]): Tally {
  let sum = 0
  let hits = 0
  for (const clause of clauses) {
    let negation = 0 // content words a negator still reaches in this clause
    for (const token of model.tokenize(clause)) {
      if (model.negators.has(token)) {
        negation = NEGATION_WINDOW
        continue
      }
      if (model.stopwords.has(token)) continue
      const weight = model.weight(token) ?? (negation > 0 ? model.negatedWeight(token) : undefined)
      if (weight === undefined) {
        if (negation > 0) negation--
        continue
      }
      hits++
      if (negation > 0) {
        sum -= weight
        negation = 0
      } else {
        sum += weight
      }
    }
  }
  return { sum, hits }
}

// Clause boundaries end a negation; emoji are boundaries too and are never tokens.
const CLAUSE_BREAK = /[.,;:!?¡¿…\n\r()[\]"«»]+|\p{Extended_Pictographic}+/u
const NOT_WORD = /[^\p{L}\p{N}'\s]+/gu
const TYPOGRAPHIC_APOSTROPHE = /[\u2018\u2019\u02bc\u0060\u00b4]/g

export function createSentimentScorer(): SentimentScorer {
  const it = require('@nlpjs/lang-it') as NlpLangItModule
  const en = require('@nlpjs/lang-en') as NlpLangEnModule
  const normalizer = new it.NormalizerIt() // NFD, strip diacritics, lower-case (NormalizerEn is identical)
  // Function words of either language never count: the English lexicon scores "to" +0.38 and
  // "come" +0.88, and would otherwise outvote Italian on Italian text ("come posso…").
  // Nor do the other language's negators ("not" is +0.25 in the Italian lexicon).
  const stopwords = new Set([
    ...[new it.StopwordsIt(), new en.StopwordsEn()].flatMap((list) => Object.keys(list.dictionary)),
    ...[it.SentimentIt, en.SentimentEn].flatMap((pack) => pack.negations.words),
    ...Object.values(EXTRA_NEGATORS).flat(),
  ].map((word) => normalizer.normalize(word)))
  const models: Record<Lang, LanguageModel> = {
    it: buildModel('it', new it.TokenizerIt(), new it.StemmerIt(), it.SentimentIt, stopwords),
    en: buildModel('en', new en.TokenizerEn(), new en.StemmerEn(), en.SentimentEn, stopwords),
  }

  return (text) => {
    const normalised = normalizer.normalize(text.replace(TYPOGRAPHIC_APOSTROPHE, "'"))
    const clauses = normalised.split(CLAUSE_BREAK).map((c) => c.replace(NOT_WORD, ' '))
    const itTally = tally(models.it, clauses)
    const enTally = tally(models.en, clauses)
    const chosen = enTally.hits > itTally.hits ? enTally : itTally
    if (chosen.hits === 0) return null
    return normalise(chosen)
  }
}

/**
 * score = clamp(2 · sum / (hits + 1), −1, 1).
 *
 * sum / hits is the average weight per sentiment word, which unlike nlp.js's `average` (sum over
 * all tokens) does not fade as a message grows longer. Dividing by hits + 1 instead adds one
 * neutral pseudo-hit, so a lone word counts for half and agreeing words build confidence
 * (n words of weight w give 2w · n/(n+1)). The factor 2 restores the scale: a single word lands
 * on its own lexicon weight. Plain sentiment words weigh 0.375–0.83 ("great" +0.38, "angry" −0.38,
 * "deluso" −0.67, "pessimo" −0.83), so one of them is enough to leave the neutral band ±0.25,
 * while a lone weak word ("bene" +0.25, "problema" −0.25) stays inside it, and mixed messages
 * cancel out.
 */
function normalise({ sum, hits }: Tally): number {
  return Math.max(-1, Math.min(1, (2 * sum) / (hits + 1)))
}

// ---- examples -------------------------------------------------------------------------------------
// Realistic helpdesk WhatsApp messages, clearly classified by the scorer (the unit test holds every
// one to its band); the traffic simulator draws customer messages from them.

/** Clearly negative: each scores below −0.25. */
export const NEGATIVE_EXAMPLES: readonly string[] = [
  'Sono molto arrabbiato, il servizio è pessimo e nessuno mi risponde',
  'Vergognoso, ordine mai arrivato',
  'È la terza volta che scrivo e nessuno mi risponde, servizio pessimo',
  'Il pacco è arrivato rotto, sono davvero deluso',
  "Inaccettabile, mi avete addebitato due volte l'ordine",
  'Che schifo, aspetto il rimborso da un mese',
  'Non sono per niente soddisfatto del prodotto',
  'Siete degli incompetenti, vi ho scritto tre volte',
  'Esperienza orribile, non ordinerò mai più da voi',
  'Consegna in ritardo di due settimane, è una vergogna 😡',
  'This is terrible, I am really angry, nobody answers',
  'Worst service ever, my order never arrived',
  "I'm very disappointed, the item arrived damaged",
  'Still waiting for my refund, this is unacceptable',
  'Your courier was rude and the parcel is broken',
  "I'm not happy at all, you sent me the wrong size",
]

/** Clearly positive: each scores above +0.25. */
export const POSITIVE_EXAMPLES: readonly string[] = [
  'Grazie mille, tutto perfetto!',
  'Ordine arrivato oggi, perfetto, grazie!',
  'Ottimo servizio, complimenti a tutto il team',
  'Gentilissimi, problema risolto in cinque minuti',
  'Sono molto soddisfatta, prodotto eccellente',
  'Grazie per la risposta veloce, siete fantastici',
  'Bravissimi, consegna puntuale e veloce 👏',
  "Tutto risolto, grazie davvero per l'aiuto 🙏",
  'Great service, thank you so much',
  "Thank you, the package arrived today and it's perfect",
  'Excellent support, really fast and friendly',
  'Thanks a lot, you solved my problem in minutes',
  "I'm really happy with my order, great job!",
]

/** Questions and statements without sentiment: each scores null or within [−0.25, +0.25]. */
export const NEUTRAL_EXAMPLES: readonly string[] = [
  'Buongiorno, a che ora aprite?',
  "Il mio numero d'ordine è 4711",
  'Quando arriva il mio pacco?',
  'Posso pagare alla consegna?',
  "Mi mandate la fattura dell'ordine 5521?",
  'Avete ancora la taglia M in negozio?',
  'Come faccio a fare il reso?',
  'Sabato siete aperti?',
  "Vorrei cambiare l'indirizzo di consegna",
  'Salve, qual è il codice di tracciamento?',
  'Hello, what time do you open tomorrow?',
  'Can I change my delivery address?',
  'What is the status of order 8812?',
  'Do you ship to Switzerland?',
]
