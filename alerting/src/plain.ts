/** The rule groups as Prometheus reads them: the objects without the comments meant for the YAML. */
import type { Rule, RuleGroup } from './rule.js'

export type PlainRule = Omit<Rule, 'comment'>
export interface PlainRuleFile {
  groups: { name: string; interval?: string; rules: PlainRule[] }[]
}

const withoutComment = <T extends { comment?: string }>({ comment: _comment, ...rest }: T): Omit<T, 'comment'> => rest

export const plainRuleFile = (groups: readonly RuleGroup[]): PlainRuleFile => ({
  groups: groups.map((g) => ({ ...withoutComment(g), rules: g.rules.map((r) => withoutComment(r) as PlainRule) })),
})
