import {
  audioJobId,
  chunkJobId,
  deleteVersionsJobId,
  downloadJobId,
  ladderJobId,
  parseAudioPayload,
  parseChunkPayload,
  parseDeleteVersionsPayload,
  parseDownloadPayload,
  parsePublishPayload,
  parseStoryboardPayload,
} from './job-contract';

const ID = '0aaaaaaaaaaaaaaaaaaaaaaaaa';

describe('the delete-hls-versions payload', () => {
  it('accepts a video id and 1 to 100 version names', () => {
    expect(parseDeleteVersionsPayload({ videoId: ID, versions: ['mx59li8i5bbd37'] })).toEqual({
      videoId: ID,
      versions: ['mx59li8i5bbd37'],
    });
    expect(deleteVersionsJobId(ID, 'v2')).toBe(`delete-versions-${ID}-v2`);
  });

  it('refuses anything that could name another prefix', () => {
    for (const versions of [[], ['../x'], ['a/b'], ['*'], Array.from({ length: 101 }, () => 'v'), 'v1', [1]]) {
      expect(() => parseDeleteVersionsPayload({ videoId: ID, versions })).toThrow(/versions must be/);
    }
    expect(() => parseDeleteVersionsPayload({ videoId: 'videos/x', versions: ['v1'] })).toThrow();
  });
});

describe('the chunked ladder payloads', () => {
  const ladder = {
    videoId: ID,
    version: 'mx59li8i5bbd37',
    demuxer: 'mov,mp4,m4a,3gp,3g2,mj2',
    preset: 'veryfast',
    segmentSeconds: 6,
    durationSeconds: 61.5,
    rungs: [
      {
        name: '720p',
        width: 1280,
        height: 720,
        frameRate: 29.97,
        videoBitrate: 3_000_000,
        maxBitrate: 3_300_000,
        bufferSize: 6_000_000,
      },
    ],
    hasAudio: true,
    chunkCount: 2,
    progress: [15, 90],
    storyboard: { intervalSeconds: 2, tileWidth: 160, tileHeight: 90, columns: 10, rows: 10 },
  };
  const chunk = { index: 1, startSeconds: 30.03, durationSeconds: 31.47, firstSegment: 5 };

  it('reads a flow queued before storyboards as one without a storyboard', () => {
    const { storyboard: _, ...older } = ladder;
    expect(parseStoryboardPayload({ ladder: older }).ladder.storyboard).toBeNull();
    expect(parseStoryboardPayload({ ladder })).toEqual({ ladder });
    expect(() =>
      parseStoryboardPayload({ ladder: { ...ladder, storyboard: { ...ladder.storyboard, tileWidth: 0 } } }),
    ).toThrow(/malformed make-storyboard payload/);
  });

  it('keeps whether the chunks make the storyboard, and reads its absence as a flow queued before', () => {
    const current = { ...ladder, storyboardFromChunks: true };
    expect(parseChunkPayload({ ladder: current, chunk }).ladder.storyboardFromChunks).toBe(true);
    expect(parseChunkPayload({ ladder, chunk }).ladder.storyboardFromChunks).toBeUndefined();
    expect(() => parseChunkPayload({ ladder: { ...ladder, storyboardFromChunks: 'yes' }, chunk })).toThrow(
      /malformed encode-chunk payload/,
    );
  });

  it('keeps the renditions taken from the preview, names only, and reads their absence as a flow queued before', () => {
    const current = { ...ladder, fromPreview: ['360p', 'audio'] };
    expect(parsePublishPayload({ ladder: current, sourceEtag: '"e"', width: 1, height: 1 }).ladder.fromPreview).toEqual(
      ['360p', 'audio'],
    );
    expect(parseChunkPayload({ ladder, chunk }).ladder.fromPreview).toBeUndefined();
    for (const name of ['../x', '360p/', '']) {
      expect(() => parseChunkPayload({ ladder: { ...ladder, fromPreview: [name] }, chunk })).toThrow(
        /malformed encode-chunk payload/,
      );
    }
  });

  it('reads a download job and refuses one naming another prefix', () => {
    expect(parseDownloadPayload({ videoId: ID, version: 'mx59li8i5bbd37' })).toEqual({
      videoId: ID,
      version: 'mx59li8i5bbd37',
    });
    expect(downloadJobId(ID)).toBe(`download-${ID}`);
    expect(() => parseDownloadPayload({ videoId: ID, version: '../x' })).toThrow();
    expect(() => parseDownloadPayload({ videoId: 'videos/x', version: 'v1' })).toThrow();
  });

  it('round-trips what the first job sends', () => {
    expect(parseChunkPayload({ ladder, chunk })).toEqual({ ladder, chunk });
    expect(parseAudioPayload({ ladder })).toEqual({ ladder });
    expect(parsePublishPayload({ ladder, sourceEtag: '"abc"', width: 1280, height: 720 })).toEqual({
      ladder,
      sourceEtag: '"abc"',
      width: 1280,
      height: 720,
    });
  });

  it('refuses what could reach ffmpeg as an option, a path or another video', () => {
    expect(() => parseChunkPayload({ ladder: { ...ladder, demuxer: '-i /etc/passwd' }, chunk })).toThrow(
      /malformed encode-chunk payload/,
    );
    expect(() => parseChunkPayload({ ladder: { ...ladder, preset: 'placebo' }, chunk })).toThrow();
    expect(() => parseChunkPayload({ ladder: { ...ladder, version: '../x' }, chunk })).toThrow();
    expect(() => parseChunkPayload({ ladder: { ...ladder, videoId: 'videos/x' }, chunk })).toThrow();
    expect(() =>
      parseChunkPayload({ ladder: { ...ladder, rungs: [{ ...ladder.rungs[0], name: '../720p' }] }, chunk }),
    ).toThrow();
    expect(() => parseChunkPayload({ ladder, chunk: { ...chunk, index: 2 } })).toThrow(/past the chunk count/);
    expect(() => parsePublishPayload({ ladder })).toThrow(/malformed publish-ladder payload/);
  });

  it('derives every job id from the video, the version and the chunk', () => {
    expect(ladderJobId(ID, 'v1')).toBe(`ladder-${ID}-v1`);
    expect(chunkJobId(ID, 'v1', 3)).toBe(`chunk-${ID}-v1-3`);
    expect(audioJobId(ID, 'v1')).toBe(`audio-${ID}-v1`);
    expect(() => chunkJobId(ID, 'v:1', 0)).toThrow();
  });
});
