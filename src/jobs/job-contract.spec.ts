import { deleteVersionsJobId, parseDeleteVersionsPayload } from './job-contract';

const ID = '0aaaaaaaaaaaaaaaaaaaaaaaaa';

describe('the delete-hls-versions payload', () => {
  it('accepts a video id and 1 to 100 version names', () => {
    expect(parseDeleteVersionsPayload({ videoId: ID, versions: ['mx59li8i5bbd37'] })).toEqual({ videoId: ID, versions: ['mx59li8i5bbd37'] });
    expect(deleteVersionsJobId(ID, 'v2')).toBe(`delete-versions-${ID}-v2`);
  });

  it('refuses anything that could name another prefix', () => {
    for (const versions of [[], ['../x'], ['a/b'], ['*'], Array.from({ length: 101 }, () => 'v'), 'v1', [1]]) {
      expect(() => parseDeleteVersionsPayload({ videoId: ID, versions })).toThrow(/versions must be/);
    }
    expect(() => parseDeleteVersionsPayload({ videoId: 'videos/x', versions: ['v1'] })).toThrow();
  });
});
