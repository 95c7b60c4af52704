import type { ValidationRule } from 'graphql';
import type { Config } from '../config';

/**
 * Extra validation rules that bound an operation's cost (depth, aliases,
 * tokens, directives, cost). The same rules apply over HTTP and websockets.
 * TODO(issue 7): fill with graphql-armor's rules.
 */
export function operationLimitRules(_config: Config): ValidationRule[] {
  return [];
}
