// The editor's target settings list the registry's targets: package.json must spell its enums as literals, so this
// checks that they name exactly the registered targets of each language, in the registry's order, and `auto`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTargets, targetsFor, targetsOfLanguage } from '../../../extension/targets';

interface Setting {
  enum: string[];
  enumDescriptions: string[];
  default?: string;
}

const settings = (
  JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Setting> } } }
).contributes.configuration.properties;

for (const [key, language] of [
  ['perfLab.target', 'js'],
  ['perfLab.pythonTarget', 'python'],
] as const) {
  test(`${key} offers the registered ${language} targets and auto, each described`, () => {
    const s = settings[key]!;
    assert.deepEqual(s.enum, [...targetsOfLanguage(language), 'auto']);
    assert.equal(s.enumDescriptions.length, s.enum.length);
    if (s.default !== undefined) assert.deepEqual([s.default], targetsFor(language, undefined), 'the default is the language default');
  });
}

test('every registered target is offered by one of the settings', () => {
  const offered = new Set([...settings['perfLab.target']!.enum, ...settings['perfLab.pythonTarget']!.enum]);
  for (const t of allTargets()) assert.ok(offered.has(t.id), `${t.id} is in no setting's enum`);
});
