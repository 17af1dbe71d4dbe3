import { describe, expect, it } from 'vitest';
import { queryFromUrl, urlWithQuery } from './urlQuery.ts';

describe('query in the URL', () => {
  it('reads ?q=, decoded, and nothing when absent', () => {
    expect(queryFromUrl('https://x.test/sub/?q=two+dogs%2C+no+cars')).toBe('two dogs, no cars');
    expect(queryFromUrl('https://x.test/sub/')).toBe('');
  });

  it('sets or removes q and keeps the path, so links work from a sub-path', () => {
    const set = urlWithQuery('https://x.test/sub/path/', 'a cat & a dog');
    expect(set).toBe('https://x.test/sub/path/?q=a+cat+%26+a+dog');
    expect(queryFromUrl(set)).toBe('a cat & a dog');
    expect(urlWithQuery(set, '  ')).toBe('https://x.test/sub/path/');
  });
});
