import { attachmentDisposition } from './content-disposition';

describe('attachmentDisposition', () => {
  it('quotes plain ASCII names', () => {
    expect(attachmentDisposition('My clip.mp4')).toBe('attachment; filename="My clip.mp4"');
  });
  it('adds the exact UTF-8 name for non-ASCII names and never lets quotes break out', () => {
    expect(attachmentDisposition('Été "final".mov')).toBe(
      `attachment; filename="_t_ _final_.mov"; filename*=UTF-8''%C3%89t%C3%A9%20%22final%22.mov`,
    );
  });
});
