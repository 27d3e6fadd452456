import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseText } from '../src/load.js';

test('parses a yaml document', () => {
  const r = parseText('a: 1\n', 'x.yaml');
  assert.equal(r.errors, []);
  assert.equal(r.value?.data, { a: 1 });
});

test.run();
