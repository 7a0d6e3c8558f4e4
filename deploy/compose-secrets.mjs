// One shot of docker-compose.yml (run by node in the api image): makes what the local stack's
// services hold and nobody types, each into that service's own volume, once:
// - the CloudFront stand-in's key pair: the private half for the api, the public half for the edge;
// - one S3 key per Velvet service, as an AWS shared-credentials file (AWS_SHARED_CREDENTIALS_FILE),
//   and SeaweedFS's identities granting each key only what its service does (the edge reads).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NODE_UID = 1000; // the user Velvet's images run as
const BUCKET = process.env.S3_BUCKET || 'velvet-media';
const ROOT = '/secrets';
const done = join(ROOT, 'storage', 's3.json');

function write(service, name, text, mode) {
  const file = join(ROOT, service, name);
  writeFileSync(file, text, { mode });
  if (service !== 'storage') chownSync(file, NODE_UID, NODE_UID);
  chmodSync(file, mode);
}

if (existsSync(done)) {
  console.log('compose secrets: already made (remove the secrets-* volumes to make new ones)');
} else {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  write('api', 'cloudfront-private.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o400);
  write('edge', 'cloudfront-public.pem', pair.publicKey.export({ type: 'spki', format: 'pem' }), 0o444);

  const grants = {
    api: ['Read', 'Write', 'List'],
    worker: ['Read', 'Write', 'List'],
    edge: ['Read'],
  };
  const identities = Object.entries(grants).map(([service, actions]) => {
    const accessKey = `VELVET${service.toUpperCase()}${randomBytes(5).toString('hex').toUpperCase()}`;
    const secretKey = randomBytes(30).toString('base64url');
    write(
      service,
      's3.credentials',
      `[default]\naws_access_key_id = ${accessKey}\naws_secret_access_key = ${secretKey}\n`,
      0o400,
    );
    return {
      name: `velvet-${service}`,
      credentials: [{ accessKey, secretKey }],
      actions: actions.map((action) => `${action}:${BUCKET}`),
    };
  });
  // Written last: its presence means every other file is there.
  write('storage', 's3.json', `${JSON.stringify({ identities }, null, 2)}\n`, 0o400);
  console.log(`compose secrets: made (${identities.map((i) => i.name).join(', ')})`);
}
