import { vttTime } from './webvtt-time';

/** Upload limit of one captions file (WebVTT or SRT). */
export const MAX_CAPTIONS_BYTES = 1024 * 1024;
/** The longest line accepted: a subtitle line is a few dozen characters; nothing a player shows is longer. */
export const MAX_CAPTION_LINE = 1000;
/** Hours a cue timestamp may carry: past 99 hours no video Velvet takes can reach it. */
const MAX_HOURS = 99;
/** How often (in lines) parsing looks at its deadline. */
const DEADLINE_EVERY = 256;

/** A captions file refused, with the 1-based line of the original that is wrong. */
export class CaptionsError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CaptionsError';
  }
}

/** Parsing ran past the time it was given (the caller's budget); the line it had reached. */
export class CaptionsTooSlowError extends CaptionsError {
  constructor(line: number, budgetMs: number) {
    super(line, `parsing took longer than its ${budgetMs} ms budget`);
    this.name = 'CaptionsTooSlowError';
  }
}

export interface ParseOptions {
  /** Wall-clock milliseconds parsing may take; past it, CaptionsTooSlowError. */
  readonly budgetMs?: number;
  /** For tests: the clock the budget is measured on. */
  readonly now?: () => number;
}

export interface ParsedCaptions {
  /** Normalized WebVTT: the header, then every cue with `hh:mm:ss.mmm` timings. */
  readonly vtt: string;
  readonly cueCount: number;
  readonly format: 'webvtt' | 'srt';
}

interface Cue {
  readonly id: string | null;
  readonly start: number;
  readonly end: number;
  readonly settings: string;
  readonly text: string[];
}

// WebVTT timestamps: hours optional (at least two digits when present), then mm:ss.ttt. Up to 9
// hour digits are read so an absurd value is refused by its size, not published as Infinity.
const VTT_TIME = /^(?:(\d{2,9}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
// SRT writes a comma before the milliseconds; some tools write a dot.
const SRT_TIME = /^(\d{1,9}):([0-5]\d):([0-5]\d)[,.](\d{3})$/;
const SETTING = /^(vertical|line|position|size|align|region):\S+$/;
// The cue text markup WebVTT defines (§4.2.2): class, italic, bold, underline, ruby, voice, language, timestamps.
const TAG =
  /<(?:\/?(?:c|i|b|u|ruby|rt|v|lang)(?:\.[A-Za-z0-9_-]+)*(?:[ \t][^<>\r\n]*)?|(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3})>|<\/(?:c|i|b|u|ruby|rt|v|lang)>/y;
const ENTITY = /&(?:amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9A-Fa-f]{1,6});/y;

/**
 * Reads an uploaded captions file, WebVTT or SRT (told apart by the `WEBVTT` signature), and
 * returns it as WebVTT. Refuses, with the line, what a player would misread: a bad timing line,
 * a cue ending before it starts, markup WebVTT does not define, no cue at all.
 *
 * Linear in the input: lines are capped at MAX_CAPTION_LINE, and no pattern here can backtrack
 * across a line (each scans forward once, bounded by a character it cannot cross). The budget
 * is the api's second guard: it runs on the event loop, and no upload may hold it for long.
 */
export function parseCaptions(text: string, options: ParseOptions = {}): ParsedCaptions {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const long = lines.findIndex((l) => l.length > MAX_CAPTION_LINE);
  if (long >= 0)
    throw new CaptionsError(
      long + 1,
      `the line is ${lines[long]!.length} characters long; at most ${MAX_CAPTION_LINE}`,
    );
  const deadline = deadlineOf(options);
  const isVtt = /^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '');
  const cues = isVtt ? readVtt(lines, deadline) : readSrt(lines, deadline);
  if (cues.length === 0)
    throw new CaptionsError(1, isVtt ? 'the file has no cues' : 'neither WebVTT (no WEBVTT line) nor SRT (no cue)');
  const out = ['WEBVTT', ''];
  for (const cue of cues) {
    if (cue.id) out.push(cue.id);
    out.push(`${vttTime(cue.start)} --> ${vttTime(cue.end)}${cue.settings ? ` ${cue.settings}` : ''}`, ...cue.text, '');
  }
  return { vtt: out.join('\n'), cueCount: cues.length, format: isVtt ? 'webvtt' : 'srt' };
}

/** Throws CaptionsTooSlowError when the budget is spent; called every DEADLINE_EVERY lines. */
type Deadline = (line: number) => void;

function deadlineOf({ budgetMs, now = () => performance.now() }: ParseOptions): Deadline {
  if (budgetMs === undefined) return () => {};
  const end = now() + budgetMs;
  let checked = 0;
  return (line) => {
    if (line - checked < DEADLINE_EVERY) return;
    checked = line;
    if (now() > end) throw new CaptionsTooSlowError(line, budgetMs);
  };
}

function readVtt(lines: readonly string[], deadline: Deadline): Cue[] {
  const cues: Cue[] = [];
  let i = 1;
  // The rest of the header block (free text) ends at the first blank line.
  while (i < lines.length && lines[i]!.trim() !== '') {
    if (lines[i]!.includes('-->'))
      throw new CaptionsError(i + 1, 'a cue must follow a blank line after the WEBVTT header');
    i++;
  }
  for (const { start, block } of blocks(lines, i, deadline)) {
    const first = block[0]!;
    if (/^NOTE(?:[ \t]|$)/.test(first)) continue;
    if (/^(?:STYLE|REGION)[ \t]*$/.test(first)) {
      if (cues.length > 0) throw new CaptionsError(start + 1, `a ${first.trim()} block must come before the first cue`);
      continue;
    }
    const timingAt = first.includes('-->') ? 0 : block[1]?.includes('-->') ? 1 : -1;
    if (timingAt < 0) {
      // No timing line where one must be: point at the line that tried to be one, if any.
      const tried = block.slice(0, 2).findIndex((l) => /^\s*\d+:/.test(l));
      throw new CaptionsError(
        start + 1 + Math.max(0, tried),
        `expected a cue timing line ("00:00:01.000 --> 00:00:02.000"), found "${clip(block[Math.max(0, tried)]!)}"`,
      );
    }
    const id = timingAt === 1 ? first : null;
    const line = start + timingAt + 1;
    const { startSeconds, endSeconds, settings } = readTiming(block[timingAt]!, line, VTT_TIME);
    const text = block.slice(timingAt + 1);
    text.forEach((t, k) => checkText(t, line + 1 + k));
    cues.push({ id, start: startSeconds, end: endSeconds, settings, text });
  }
  return cues;
}

function readSrt(lines: readonly string[], deadline: Deadline): Cue[] {
  const cues: Cue[] = [];
  for (const { start, block } of blocks(lines, 0, deadline)) {
    if (!/^\d+$/.test(block[0]!.trim()))
      throw new CaptionsError(start + 1, 'expected a cue number (SRT) or a WEBVTT first line');
    if (block.length < 2)
      throw new CaptionsError(start + 2, 'expected a cue timing line ("00:00:01,000 --> 00:00:02,000")');
    const { startSeconds, endSeconds, settings } = readTiming(block[1]!, start + 2, SRT_TIME);
    if (settings) throw new CaptionsError(start + 2, 'unexpected text after the end time');
    const text = block
      .slice(2)
      .map((t, k) => {
        const converted = fromSrtText(t);
        checkText(converted, start + 3 + k);
        return converted;
      })
      // A line that was only styling (`<font …>`, `{\an8}`) would be a blank line in WebVTT: the
      // end of the cue, and the rest of its text read as a new block.
      .filter((t) => t.trim() !== '');
    cues.push({ id: null, start: startSeconds, end: endSeconds, settings: '', text });
  }
  return cues;
}

/** The blocks of lines between blank lines, from `from` on, each with the index of its first line. */
function* blocks(
  lines: readonly string[],
  from: number,
  deadline: Deadline,
): Generator<{ start: number; block: string[] }> {
  let i = from;
  while (i < lines.length) {
    if (lines[i]!.trim() === '') {
      i++;
      continue;
    }
    const start = i;
    const block: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') {
      deadline(i + 1);
      block.push(lines[i++]!);
    }
    yield { start, block };
  }
}

function readTiming(
  line: string,
  lineNumber: number,
  time: RegExp,
): { startSeconds: number; endSeconds: number; settings: string } {
  const match = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line.trim());
  if (!match) throw new CaptionsError(lineNumber, `malformed cue timing "${clip(line)}"`);
  const startSeconds = seconds(match[1]!, time, lineNumber);
  const endSeconds = seconds(match[2]!, time, lineNumber);
  if (endSeconds <= startSeconds)
    throw new CaptionsError(lineNumber, `the cue ends (${match[2]}) before or when it starts (${match[1]})`);
  const settings = (match[3] ?? '')
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean);
  const bad = settings.find((s) => !SETTING.test(s));
  if (bad) throw new CaptionsError(lineNumber, `unknown cue setting "${clip(bad)}"`);
  return { startSeconds, endSeconds, settings: settings.join(' ') };
}

function seconds(value: string, time: RegExp, lineNumber: number): number {
  const m = time.exec(value);
  if (!m) throw new CaptionsError(lineNumber, `malformed timestamp "${clip(value)}"`);
  if (Number(m[1] ?? 0) > MAX_HOURS)
    throw new CaptionsError(lineNumber, `the timestamp "${clip(value)}" is past ${MAX_HOURS} hours`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

/** Cue text: only WebVTT's tags and character references; never `-->`, which would end the cue. */
function checkText(text: string, lineNumber: number): void {
  if (text.includes('-->')) throw new CaptionsError(lineNumber, 'cue text must not contain "-->"');
  for (let at = 0; at < text.length; at++) {
    const ch = text[at];
    if (ch === '<') {
      TAG.lastIndex = at;
      if (!TAG.test(text))
        throw new CaptionsError(
          lineNumber,
          `markup WebVTT does not allow: "${clip(text.slice(at))}" (allowed: <b> <i> <u> <c> <v> <lang> <ruby> <rt> and timestamps)`,
        );
      at = TAG.lastIndex - 1;
    } else if (ch === '&') {
      ENTITY.lastIndex = at;
      if (!ENTITY.test(text))
        throw new CaptionsError(
          lineNumber,
          `"&" must start a character reference such as &amp; (found "${clip(text.slice(at))}")`,
        );
      at = ENTITY.lastIndex - 1;
    }
  }
}

/**
 * SRT cue text as WebVTT: SRT's `<font>` tags and ASS position codes (`{\an8}`) dropped, a bare
 * `&` escaped (SRT has no character references); its `<b>`, `<i>`, `<u>` are WebVTT's own.
 * A tag's body may not hold its own opening character (`[^<>]`, `[^{}]`): an unclosed one then
 * stops at the next tag instead of scanning to the end of the line from every start, which made
 * a 200 KB line of `{\` take seconds.
 */
function fromSrtText(text: string): string {
  return text
    .replace(/<\/?font\b[^<>]*>/gi, '')
    .replace(/\{\\[^{}]*\}/g, '')
    .replace(/<(\/?)([biu])>/gi, (_, slash: string, tag: string) => `<${slash}${tag.toLowerCase()}>`)
    .replace(/&(?!(?:amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9A-Fa-f]{1,6});)/g, '&amp;');
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

/**
 * A BCP 47 language tag in its canonical case (`en-us` → `en-US`), or null: a primary language
 * of 2-3 letters, then script, region and variants; nothing that could act as path syntax.
 */
export function canonicalLanguage(tag: string): string | null {
  if (tag.length > 35 || !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(tag)) return null;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && /^[A-Za-z0-9-]{2,35}$/.test(canonical) ? canonical : null;
  } catch {
    return null;
  }
}

/** The language's own name for itself ("Français" for fr), the label players show by default. */
export function languageLabel(lang: string): string {
  try {
    const name = new Intl.DisplayNames([lang], { type: 'language' }).of(lang);
    return name ? name.charAt(0).toLocaleUpperCase(lang) + name.slice(1) : lang;
  } catch {
    return lang;
  }
}
