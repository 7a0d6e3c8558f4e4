/** One line of `npm run doctor`: what was checked, what was seen, and for a failure the fix. */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'fail';
  readonly detail: string;
  readonly fix?: string;
}

export const pass = (name: string, detail: string): DoctorCheck => ({ name, status: 'pass', detail });
export const warn = (name: string, detail: string, fix?: string): DoctorCheck => ({
  name,
  status: 'warn',
  detail,
  ...(fix ? { fix } : {}),
});
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });

/** The fix for the classic mistake: a behavior that ignores signatures serves paid videos to anyone. */
export const RESTRICT_VIEWER_ACCESS_FIX =
  "restrict viewer access: the behavior serving videos/* must trust Velvet's key group (the infra/ stack sets it), or every signature is ignored and paid videos are public";

export function keyFix(keyPairId: string): string {
  return (
    `CloudFront must trust Velvet's key ${keyPairId}: put the public half of CLOUDFRONT_PRIVATE_KEY in the key group of the videos/* behavior ` +
    '(INFRA_PUBLIC_KEYS, then npm run infra:deploy) and set CLOUDFRONT_KEY_PAIR_ID to the id CloudFront gave that public key'
  );
}

export function formatLine(check: DoctorCheck): string {
  const head = `${check.status.toUpperCase().padEnd(4)}  ${check.name}: ${check.detail}`;
  return check.fix && check.status !== 'pass' ? `${head}\n      fix: ${check.fix}` : head;
}
