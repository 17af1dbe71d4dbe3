import { describe, expect, it } from 'vitest';
import { createSerial } from './serial.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('createSerial', () => {
  it('runs tasks one at a time in call order', async () => {
    const serial = createSerial();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([serial(task('a')), serial(task('b')), serial(task('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps going after a failed task and passes the failure to its caller', async () => {
    const serial = createSerial();
    const failed = serial(async () => {
      throw new Error('boom');
    });
    const next = serial(async () => 'after');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
  });
});
