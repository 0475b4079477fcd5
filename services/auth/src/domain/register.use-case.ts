import { validationError } from '@gatehouse/errors';
import type { Credential, CredentialStore, PasswordHasher, SecretGenerator } from './auth.ports';
import { passwordProblem } from './password-policy';

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string;
}

export interface RegisterDeps {
  readonly credentials: Pick<CredentialStore, 'create'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly secrets: Pick<SecretGenerator, 'uuid'>;
}

/** Creates an unverified account with the `user` role. */
export async function register(deps: RegisterDeps, input: RegisterInput): Promise<Credential> {
  const problem = passwordProblem(input.password);
  if (problem) throw validationError([{ path: 'password', message: `"password" ${problem}` }]);
  const passwordHash = await deps.hasher.hash(input.password);
  return deps.credentials.create({
    id: deps.secrets.uuid(),
    email: input.email,
    name: input.name ?? null,
    passwordHash,
    roles: ['user'],
    emailVerified: false,
  });
}
