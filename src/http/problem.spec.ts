import { DomainError } from '../domain/errors';
import { toProblem, withoutAddresses } from './problem';

describe('problem details', () => {
  it('never show an internal address in a server-side failure', () => {
    const leaks = [
      'The database is unavailable (connect ECONNREFUSED 10.0.3.7:5432).',
      'Object storage is unavailable (Error: getaddrinfo ENOTFOUND velvet-media.internal:9000).',
      'The job queue is unavailable (connect ETIMEDOUT [fd00::12]:6379).',
      'Object storage is unavailable (TimeoutError: http://minio.svc.cluster.local/velvet-media timed out).',
      'Stream leases are unavailable (connect ECONNREFUSED fd00:ec2::254).',
    ];
    for (const message of leaks) {
      const problem = toProblem(new DomainError('dependency_unavailable', message), 'req-1');
      expect(problem.status).toBe(503);
      expect(problem.detail).not.toMatch(/10\.0\.3\.7|5432|velvet-media\.internal|9000|fd00|6379|cluster\.local/);
      expect(problem.detail).toContain('(internal address)');
    }
  });

  it('keeps a client error as written, and plain sentences untouched', () => {
    const own = 'The webhook URL points at 10.0.0.1, which is not a public address.';
    expect(toProblem(new DomainError('webhook_url_not_public', own), 'r').detail).toBe(own);
    const plain = 'The request was not answered within REQUEST_TIMEOUT_SECONDS (30 s); try again.';
    expect(withoutAddresses(plain)).toBe(plain);
  });
});
