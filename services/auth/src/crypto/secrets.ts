import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SecretGenerator } from '../domain/auth.ports';

/** 256-bit opaque tokens; SHA-256 is the right digest for high-entropy secrets (no salt needed). */
export const secrets: SecretGenerator = {
  token: () => randomBytes(32).toString('base64url'),
  digest: (secret) => createHash('sha256').update(secret).digest('base64url'),
  uuid: () => randomUUID(),
};

/** An OAuth client id: `svc_` and 128 random bits, base64url (CLIENT_ID_PATTERN of @gatehouse/events). */
export const newClientId = (): string => `svc_${randomBytes(16).toString('base64url')}`;
