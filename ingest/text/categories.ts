/**
 * Keyword categories of a customer's message, computed on the ingest so the text never has to
 * leave it.
 *
 * `compileCategoryMatcher({ billing: ['fattura', 'invoice'], delivery: ['non arrivato', 'tracking'] })`
 * returns a matcher giving the first category, in the object's key order, one of whose keywords
 * occurs in the text, or null. Matching ignores case and accents ("perché" = "perche" = "PERCHE")
 * and is on whole words: "fattura" matches "Fattura n. 12" and "la FATTURA" but not "fatturato".
 * A keyword of several words is a phrase: its words must follow each other, with nothing but
 * spaces or punctuation between them ("non arrivato" matches "Ordine NON arrivato!" and
 * "non-arrivato", not "non è arrivato"). An empty config, or keywords without a letter or digit,
 * match nothing. Compiled once: one regex per category.
 */
export type CategoryMatcher = (text: string) => string | null

/** Words of a text, lower-cased and stripped of diacritics; anything but letters and digits separates. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
}

export function compileCategoryMatcher(keywords: Record<string, string[]>): CategoryMatcher {
  // One regex per category over the text's words joined by single spaces. A keyword becomes its
  // words joined the same way, so it can only contain letters, digits and spaces: no escaping.
  const categories: Array<[name: string, pattern: RegExp]> = []
  for (const [name, list] of Object.entries(keywords)) {
    const phrases = [...new Set(list.map((keyword) => words(keyword).join(' ')).filter((phrase) => phrase !== ''))]
    if (phrases.length === 0) continue
    categories.push([name, new RegExp(`(?:^| )(?:${phrases.join('|')})(?= |$)`, 'u')])
  }
  if (categories.length === 0) return () => null

  return (text) => {
    const joined = words(text).join(' ')
    for (const [name, pattern] of categories) if (pattern.test(joined)) return name
    return null
  }
}
