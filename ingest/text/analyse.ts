import type { Config } from '../../schemas/config.js'
import type { TextAnalyser } from '../whatsapp/normalise.js'
import { createSentimentScorer } from './sentiment.js'
import { compileCategoryMatcher } from './categories.js'

/** What the KPIs need from a customer's text: sentiment and keyword category, built once. */
export function createTextAnalyser(config: Config): TextAnalyser {
  const score = createSentimentScorer()
  const category = compileCategoryMatcher(config.categories.keywords)
  return (text) => ({ sentiment: score(text), keyword_category: category(text) })
}
