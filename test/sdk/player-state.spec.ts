import { countdownText, preferredCaption, stateOfError } from '../../sdk/src/element/player-state';

describe('<velvet-player> states', () => {
  it('maps each refusal to the state a paywall shows, before and during playback', () => {
    const cases: Array<[string, boolean, string]> = [
      ['not_entitled', false, 'not-entitled'],
      ['unauthorized', false, 'not-entitled'],
      ['not_entitled', true, 'access-expired'],
      ['expired', true, 'access-expired'],
      ['not_available', false, 'unavailable'],
      ['not_ready', false, 'processing'],
      ['too_many_streams', false, 'too-many-streams'],
      ['too_many_streams', true, 'too-many-streams'],
      ['not_found', false, 'not-found'],
      ['network', true, 'error'],
      ['rate_limited', false, 'error'],
      ['api_error', false, 'error'],
    ];
    for (const [code, playing, state] of cases)
      expect([code, playing, stateOfError({ code } as never, playing)]).toEqual([code, playing, state]);
  });

  it('counts down to a premiere in the units it needs, never below zero', () => {
    expect(countdownText(59_000)).toBe('0:59');
    expect(countdownText(59_001)).toBe('1:00');
    expect(countdownText(3_600_000)).toBe('1:00:00');
    expect(countdownText(3_599_000)).toBe('59:59');
    expect(countdownText(2 * 86_400_000 + 3_661_000)).toBe('2 d 1:01:01');
    expect(countdownText(-5000)).toBe('0:00');
  });

  it('turns on the captions of the first language the viewer prefers that a track has', () => {
    const tracks = [{ language: 'en' }, { language: 'fr' }, { language: 'pt-BR' }];
    expect(preferredCaption(tracks, ['fr-FR', 'en'])).toBe(1);
    expect(preferredCaption(tracks, ['de', 'en-GB'])).toBe(0);
    expect(preferredCaption(tracks, ['pt-PT', 'pt-BR'])).toBe(2);
    expect(preferredCaption(tracks, ['pt-BR'])).toBe(2);
    expect(preferredCaption(tracks, ['de', 'ja'])).toBe(-1);
    expect(preferredCaption([{ language: '' }], ['en'])).toBe(-1);
    expect(preferredCaption([], ['en'])).toBe(-1);
  });
});
