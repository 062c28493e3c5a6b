/**
 * Renders rule groups to the YAML Prometheus loads, with the groups' and rules' explanations as
 * comments and the long strings in block styles, so that the generated file reads like a
 * hand-written one. Only the layout is chosen here; every value comes from the rule objects.
 */
import { Document, Scalar, YAMLMap, YAMLSeq, type ScalarTag } from 'yaml'
import { stringifyString, stringTag } from 'yaml/util'
import type { Rule, RuleGroup } from './rule.js'

/** Width the comments are wrapped at (the prose of the YAML, not its values). */
const WIDTH = 100

/** Words of a text, a `code span` or a `{{ template action }}` counting as one word. */
const words = (line: string): string[] => line.match(/(?:`[^`]*`|\{\{.*?\}\}|[^ ])+/g) ?? []

/**
 * Greedy line filling at `width`. A word longer than the width (a template action with its query)
 * ends the line it is on, which then runs over.
 */
function fill(line: string, width: number): string[] {
  const lines: string[] = []
  let current = ''
  for (const word of words(line)) {
    if (word.length > width) {
      lines.push(current ? `${current} ${word}` : word)
      current = ''
    } else if (current && current.length + 1 + word.length > width) {
      lines.push(current)
      current = word
    } else current = current ? `${current} ${word}` : word
  }
  return current || !lines.length ? [...lines, current] : lines
}

/**
 * Strings as the default tag writes them, but never folded by the `yaml` package (an expression
 * stays on its line, as PromQL is read); a folded block (a description) is folded here between
 * words and template actions. A line break in a folded block reads as one space, which is why
 * only text with single spaces is folded (the round trip is checked by alerting/build.ts).
 */
const strings: ScalarTag = {
  ...stringTag,
  stringify(item, ctx, onComment, onChompKeep) {
    const out = stringifyString(item, { ...ctx, options: { ...ctx.options, lineWidth: 0 } }, onComment, onChompKeep)
    const value = String((item as Scalar).value)
    if ((item as Scalar).type !== Scalar.BLOCK_FOLDED || !out.startsWith('>') || /\n| {2}|^ | $/.test(value)) return out
    const head = out.slice(0, out.indexOf('\n'))
    return [head, ...fill(value, WIDTH - ctx.indent.length).map((l) => `${ctx.indent}${l}`)].join('\n')
  },
}

/** Comment text wrapped into lines for `commentBefore` (the `yaml` package adds the `#`). */
function wrap(textBlock: string, indent: number): string {
  const width = WIDTH - indent - 2
  const lines: string[] = []
  for (const paragraph of textBlock.split('\n')) {
    if (!paragraph.trim()) {
      lines.push('')
      continue
    }
    lines.push(...fill(paragraph, width))
  }
  return lines.map((l) => (l ? ` ${l}` : '')).join('\n')
}

function scalar(value: string, type?: Scalar.Type): Scalar<string> {
  const s = new Scalar(value)
  if (type) s.type = type
  return s
}

function ruleNode(rule: Rule, first: boolean): YAMLMap {
  const node = new YAMLMap()
  if ('record' in rule) node.set('record', rule.record)
  else node.set('alert', rule.alert)
  node.set('expr', scalar(rule.expr, rule.expr.includes('\n') ? Scalar.BLOCK_LITERAL : Scalar.PLAIN))
  if ('alert' in rule) {
    if (rule.for) node.set('for', rule.for)
    const labels = new YAMLMap()
    for (const [k, v] of Object.entries(rule.labels)) labels.set(k, v)
    node.set('labels', labels)
    const annotations = new YAMLMap()
    annotations.set('summary', scalar(rule.annotations.summary, Scalar.QUOTE_DOUBLE))
    annotations.set('description', scalar(rule.annotations.description, Scalar.BLOCK_FOLDED))
    annotations.set('runbook_url', rule.annotations.runbook_url)
    if (rule.annotations.dashboard_url) annotations.set('dashboard_url', rule.annotations.dashboard_url)
    node.set('annotations', annotations)
  }
  // An alert, or a commented recording rule, starts a paragraph.
  if (!first && ('alert' in rule || rule.comment)) node.spaceBefore = true
  if (rule.comment) node.commentBefore = wrap(rule.comment, 6)
  return node
}

function groupNode(group: RuleGroup, first: boolean): YAMLMap {
  const node = new YAMLMap()
  node.set('name', group.name)
  if (group.interval) node.set('interval', group.interval)
  const rules = new YAMLSeq()
  group.rules.forEach((r, i) => rules.add(ruleNode(r, i === 0)))
  node.set('rules', rules)
  if (!first) node.spaceBefore = true
  node.commentBefore = wrap(`${'-'.repeat(WIDTH - 5)}${group.comment ? `\n${group.comment}` : ''}`, 2)
  return node
}

/** The rule file: a header comment, then `groups:`. */
export function renderRuleFile(groups: readonly RuleGroup[], header: string): string {
  const doc = new Document(null, { customTags: (tags) => tags.map((t) => (t === stringTag ? strings : t)) })
  const root = new YAMLMap()
  const seq = new YAMLSeq()
  groups.forEach((g, i) => seq.add(groupNode(g, i === 0)))
  root.set('groups', seq)
  doc.contents = root
  doc.commentBefore = wrap(header, 0)
  return doc.toString({ lineWidth: WIDTH, minContentWidth: 40, indentSeq: true })
}
