import t from 'tap'
import { compileCategoryMatcher } from '../../ingest/text/categories.js'

const match = compileCategoryMatcher({
  billing: ['fattura', 'invoice', 'rimborso', 'refund'],
  delivery: ['non arrivato', 'not arrived', 'tracking', 'corriere', 'spedizione'],
  complaint: ['perché', 'why', 'reclamo'],
  opening: ['orari', 'opening hours', "dov'è"],
})

t.test('case-insensitive, on whole words', async (t) => {
  t.equal(match('Fattura n. 12'), 'billing')
  t.equal(match('mi mandate la FATTURA?'), 'billing')
  t.equal(match('fattura'), 'billing')
  t.equal(match("dov'è la fattura?"), 'billing') // billing comes before opening
  t.equal(match('Where is my INVOICE'), 'billing')
  t.equal(match('invoice#4711'), 'billing')
  t.equal(match('il fatturato è cresciuto'), null)
  t.equal(match('fatturazione elettronica'), null)
  t.equal(match('refunded already'), null)
  t.equal(match('prefattura'), null)
})

t.test('accent-insensitive both ways', async (t) => {
  t.equal(match('Perché non risponde nessuno?'), 'complaint')
  t.equal(match('perche non risponde nessuno'), 'complaint')
  t.equal(match('PERCHÉ?!'), 'complaint')
  t.equal(match("Dov'e il negozio?"), 'opening')
  t.equal(match('Dov’è il negozio?'), 'opening') // a typographic apostrophe separates words too
  t.equal(match('Dove è il negozio?'), null)
  const accented = compileCategoryMatcher({ caffe: ['caffè'], citta: ['citta'] })
  t.equal(accented('un caffe per favore'), 'caffe')
  t.equal(accented('Un CAFFÈ'), 'caffe')
  t.equal(accented('in città'), 'citta')
})

t.test('keywords of several words match as a phrase', async (t) => {
  t.equal(match('Ordine NON arrivato!'), 'delivery')
  t.equal(match('ordine non-arrivato'), 'delivery')
  t.equal(match('non  arrivato'), 'delivery')
  t.equal(match('non è arrivato'), null)
  t.equal(match('arrivato, non so'), null)
  t.equal(match('non arrivatooo'), null)
  t.equal(match('My parcel has not arrived yet'), 'delivery')
  t.equal(match('What are your opening hours?'), 'opening')
  t.equal(match('opening the box, hours later'), null)
  t.equal(match('Quali sono gli orari?'), 'opening')
})

t.test('the first category in key order wins', async (t) => {
  t.equal(match('rimborso non arrivato, perché?'), 'billing')
  t.equal(match('perché il corriere non passa?'), 'delivery')
  const reversed = compileCategoryMatcher({
    opening: ['orari'],
    complaint: ['perché'],
    delivery: ['corriere'],
    billing: ['rimborso'],
  })
  t.equal(reversed('rimborso non arrivato, perché?'), 'complaint')
  t.equal(reversed('perché il corriere non passa?'), 'complaint')
  t.equal(reversed('il corriere e il rimborso'), 'delivery')
  // the same keyword in two categories: the first one
  const shared = compileCategoryMatcher({ a: ['ordine'], b: ['ordine', 'pacco'] })
  t.equal(shared("Il mio numero d'ordine"), 'a')
  t.equal(shared('il pacco'), 'b')
})

t.test('no match and empty configs give null', async (t) => {
  t.equal(match('Buongiorno, a che ora aprite?'), null)
  t.equal(match(''), null)
  t.equal(match('😡😡😡'), null)
  const empty = compileCategoryMatcher({})
  t.equal(empty('fattura'), null)
  t.equal(empty(''), null)
  const blank = compileCategoryMatcher({ none: [], punct: ['', '  ', '?!'], real: ['reso'] })
  t.equal(blank('?! reso'), 'real')
  t.equal(blank(''), null)
})

t.test('keywords are taken literally, not as patterns', async (t) => {
  const literal = compileCategoryMatcher({ dots: ['a.b'], star: ['c*'], group: ['(x|y)'] })
  t.equal(literal('a b'), 'dots') // punctuation separates words, in keywords as in text
  t.equal(literal('axb'), null)
  t.equal(literal('c'), 'star')
  t.equal(literal('ccc'), null)
  t.equal(literal('x'), null)
  t.equal(literal('x y'), 'group')
})
