import {
  canonicalLanguage,
  CaptionsError,
  CaptionsTooSlowError,
  languageLabel,
  MAX_CAPTION_LINE,
  parseCaptions,
} from './captions';

const lineOf = (text: string): number => {
  try {
    parseCaptions(text);
  } catch (error) {
    if (error instanceof CaptionsError) return error.line;
    throw error;
  }
  throw new Error('accepted');
};

describe('parseCaptions', () => {
  it('converts SRT to WebVTT: dots for commas, <font> and ASS codes dropped, a bare & escaped', () => {
    const srt =
      '1\r\n00:00:01,000 --> 00:00:02,500\r\n<font color="red">Hello</font> {\\an8}<I>world</I>\r\n\r\n2\r\n00:00:03,000 --> 00:01:04,000\r\nTom & Jerry\r\n';
    const parsed = parseCaptions(srt);
    expect(parsed).toMatchObject({ format: 'srt', cueCount: 2 });
    expect(parsed.vtt).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello <i>world</i>\n\n00:00:03.000 --> 00:01:04.000\nTom &amp; Jerry\n',
    );
  });

  it('keeps WebVTT cues, ids, settings and markup; skips NOTE and STYLE blocks; normalizes timestamps', () => {
    const vtt =
      '\uFEFFWEBVTT - a title\n\nSTYLE\n::cue { color: lime }\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.000 align:start line:0\n<v Roger>Hi <c.loud>there</c> &amp; <00:00:01.500>bye\n\n01:00:00.000 --> 01:00:01.000\n<ruby>漢<rt>kan</rt></ruby>\n';
    const parsed = parseCaptions(vtt);
    expect(parsed).toMatchObject({ format: 'webvtt', cueCount: 2 });
    expect(parsed.vtt).toBe(
      'WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000 align:start line:0\n<v Roger>Hi <c.loud>there</c> &amp; <00:00:01.500>bye\n\n01:00:00.000 --> 01:00:01.000\n<ruby>漢<rt>kan</rt></ruby>\n',
    );
  });

  it('names the line of what is wrong', () => {
    expect(lineOf('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n')).toBe(6);
    expect(lineOf('WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nx\n')).toBe(3);
    expect(lineOf('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n<script>alert(1)</script>\n')).toBe(5);
    expect(lineOf('WEBVTT\n\n00:00:01.000 --> 00:00:02.000 colour:red\nx\n')).toBe(3);
    expect(lineOf('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nsay & more\n')).toBe(4);
    expect(lineOf('1\n00:00:01,000 --> 00:00:02,000\nok\n\nTwo\n00:00:03,000 --> 00:00:04,000\nx\n')).toBe(5);
    expect(lineOf('1\n00:00:01,000 --> 00:00:61,000\nx\n')).toBe(2);
    expect(lineOf('WEBVTT\n\nNOTE only a note\n')).toBe(1);
    expect(lineOf('just some text')).toBe(1);
    expect(lineOf('')).toBe(1);
  });

  it('refuses a line longer than MAX_CAPTION_LINE, naming it, before any pattern reads it', () => {
    const cue = (text: string) => `1\n00:00:01,000 --> 00:00:02,000\n${text}\n`;
    expect(parseCaptions(cue('x'.repeat(MAX_CAPTION_LINE))).cueCount).toBe(1);
    expect(lineOf(cue('x'.repeat(MAX_CAPTION_LINE + 1)))).toBe(3);
    // The audit's line: 200 KB of unclosed ASS codes, once ten seconds of the api's event loop.
    expect(lineOf(cue('{\\'.repeat(100_000)))).toBe(3);
  });

  it('refuses timestamps past 99 hours instead of publishing Infinity:NaN', () => {
    expect(parseCaptions('WEBVTT\n\n99:59:58.000 --> 99:59:59.999\nlate\n').vtt).toContain(
      '99:59:58.000 --> 99:59:59.999',
    );
    expect(lineOf('WEBVTT\n\n00:00:01.000 --> 100:00:00.000\nx\n')).toBe(3);
    expect(lineOf(`WEBVTT\n\n00:00:01.000 --> ${'9'.repeat(400)}:00:00.000\nx\n`)).toBe(3);
    expect(lineOf(`1\n00:00:01,000 --> ${'9'.repeat(20)}:00:00,000\nx\n`)).toBe(2);
  });

  it('stops at its time budget with the line it reached', () => {
    const file = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n00:00:01,000 --> 00:00:02,000\nline ${i}\n`).join(
      '\n',
    );
    let clock = 0;
    const now = () => (clock += 40);
    let error: unknown;
    try {
      parseCaptions(file, { budgetMs: 100, now });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaptionsTooSlowError);
    expect((error as CaptionsError).line).toBeGreaterThan(1);
    expect((error as CaptionsError).line).toBeLessThan(8000);
    expect(parseCaptions(file, { budgetMs: 60_000 }).cueCount).toBe(2000);
  });
});

describe('language tags', () => {
  it('canonicalizes BCP 47 tags and refuses anything else', () => {
    expect(canonicalLanguage('en')).toBe('en');
    expect(canonicalLanguage('pt-br')).toBe('pt-BR');
    expect(canonicalLanguage('zh-hant')).toBe('zh-Hant');
    for (const bad of ['e', 'english!', 'en/../x', 'en_US', '*', 'en-', `en-${'a'.repeat(40)}`, '1en'])
      expect(canonicalLanguage(bad)).toBeNull();
  });

  it('labels a language in itself', () => {
    expect(languageLabel('fr')).toBe('Français');
    expect(languageLabel('en')).toBe('English');
  });
});
