import type { Config } from '../../schemas/config.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { createSentimentScorer } from './sentiment.js'
import { compileCategoryMatcher } from './categories.js'

/**
 * Only this much of a text is analysed. Scoring runs on the ingest's request path, synchronously:
 * a 2.9 MiB text took about a second, during which no other request was answered. A customer's
 * mood and topic are in the opening of a message (WhatsApp texts are at most 4,096 characters;
 * longer ones are pasted documents), so the bound changes no real message's result.
 */
export const MAX_ANALYSED_CHARS = 8 * 1024

/** What the KPIs need from a customer's text: sentiment and keyword category, built once. */
export function createTextAnalyser(config: Config): TextAnalyser {
  const score = createSentimentScorer()
  const category = compileCategoryMatcher(config.categories.keywords)
  return (full) => {
    const text = full.length > MAX_ANALYSED_CHARS ? full.slice(0, MAX_ANALYSED_CHARS) : full
    return { sentiment: score(text), keyword_category: category(text) }
  }
}
