// The match registry and what must not drift from it: the JSON Schema enums
// of match and `when` operator names, the README's match table, the operator
// table both evaluators run, and the one table of check cases that runs over
// every match (test/cases/checks.yaml, as ESLint's RuleTester runs every rule).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MATCHES, MATCH_MODULES, TESTS, VERDICTS, WHEN_OPERATORS } from '../src/index.js';
import { readCases, ROOT } from './helpers.js';

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/policy.schema.json'), 'utf8')) as { $defs: Record<string, { enum?: string[] }> };

test('the schema enum of match names is the registry', () => {
  assert.equal(schema.$defs.matchName!.enum, [...MATCHES]);
  assert.equal(Object.keys(MATCH_MODULES), [...MATCHES]);
  for (const name of MATCHES) assert.is(MATCH_MODULES[name].name, name, `module registered under ${name}`);
});

test('the schema enum of `when` operators is the registry', () => {
  assert.equal(schema.$defs.operator!.enum, [...WHEN_OPERATORS]);
  for (const op of WHEN_OPERATORS) assert.ok(op in TESTS, `${op} is in the operator table`);
});

test('every operator of every match is in the table both evaluators run, with a verdict where it explains', () => {
  for (const name of MATCHES) {
    for (const op of MATCH_MODULES[name].operators) {
      assert.is(TESTS[op.name], op.test, `${name}: ${op.name}`);
      if (op.verdict) assert.is(VERDICTS[op.name], op.verdict, `${name}: ${op.name} verdict`);
    }
  }
});

test('the README documents every match', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `([a-z-]+)` \| /gm)].map((m) => m[1]!);
  for (const name of MATCHES) assert.ok(documented.includes(name), `README match table lists \`${name}\``);
});

test('the check table has passing and failing cases for every match', () => {
  const cases = readCases<{ check: { match?: unknown }; expect: string }>('checks.yaml');
  for (const name of MATCHES) {
    const mine = cases.filter((c) => JSON.stringify(c.check.match ?? null).includes(`"${name}"`));
    const outcomes = new Set(mine.map((c) => c.expect));
    if (name === 'ignore') assert.ok(outcomes.has('skip'), 'ignore: a skip case');
    else assert.ok(outcomes.has('pass') && outcomes.has('fail'), `${name}: pass and fail cases (${[...outcomes].join(', ')})`);
  }
});

test.run();
