import type { Logger } from '@gatehouse/logger';
import type { CredentialStore, PasswordHasher, SecretGenerator } from './auth.ports';
import { passwordProblem } from './password-policy';

export interface BootstrapAdminDeps {
  readonly credentials: Pick<CredentialStore, 'createIfAbsent'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly secrets: Pick<SecretGenerator, 'uuid'>;
  readonly logger: Logger;
}

/**
 * Gives operators a first admin: creates the account verified with roles user and admin unless
 * that email exists already (then it is left exactly as it is). Safe when replicas race.
 */
export async function bootstrapAdmin(deps: BootstrapAdminDeps, email: string, password: string): Promise<boolean> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(`BOOTSTRAP_ADMIN_PASSWORD ${problem}`);
  const created = await deps.credentials.createIfAbsent({
    id: deps.secrets.uuid(),
    email,
    name: 'Administrator',
    passwordHash: await deps.hasher.hash(password),
    roles: ['user', 'admin'],
    emailVerified: true,
  });
  deps.logger.info({ email, created }, created ? 'bootstrap admin created' : 'bootstrap admin already exists');
  return created;
}
