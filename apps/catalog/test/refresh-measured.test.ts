import { describe, expect, it } from 'vitest';
import { MEASURED_END, MEASURED_START, withMeasured } from '../src/refresh-measured.ts';

describe('refresh-measured', () => {
  const readme = [
    '## Measured',
    '',
    'Commentary above.',
    '',
    MEASURED_START,
    'old table',
    MEASURED_END,
    '',
    'After.',
  ].join('\n');

  it('replaces only the block between the markers', () => {
    expect(withMeasured(readme, '| new | table |\n')).toBe(
      [
        '## Measured',
        '',
        'Commentary above.',
        '',
        MEASURED_START,
        '',
        '| new | table |',
        '',
        MEASURED_END,
        '',
        'After.',
      ].join('\n'),
    );
  });

  it('refuses a README without markers, with them reversed, or with two blocks', () => {
    expect(withMeasured('## Measured\n\nno markers', 'x')).toBeUndefined();
    expect(withMeasured(`${MEASURED_END}\n${MEASURED_START}`, 'x')).toBeUndefined();
    expect(withMeasured(`${readme}\n${readme}`, 'x')).toBeUndefined();
  });
});
