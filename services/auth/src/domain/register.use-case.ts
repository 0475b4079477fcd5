import { validationError } from '@gatehouse/errors';
import type { Credential, PasswordHasher, SecretGenerator, Transactions } from './auth.ports';
import { issueEmailVerification, type VerificationDeps } from './email-verification';
import { passwordProblem } from './password-policy';

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string;
}

export interface RegisterDeps extends VerificationDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly secrets: Pick<SecretGenerator, 'uuid' | 'token' | 'digest'>;
}

/**
 * Creates an unverified account with the `user` role and, in the same transaction, its email
 * verification and the `user.registered` event. The broker is not involved: the outbox relay
 * publishes after commit, so registration works while the broker is away.
 */
export async function register(deps: RegisterDeps, input: RegisterInput): Promise<Credential> {
  const problem = passwordProblem(input.password);
  if (problem) throw validationError([{ path: 'password', message: `"password" ${problem}` }]);
  const passwordHash = await deps.hasher.hash(input.password);
  return deps.transactions.run(async (tx) => {
    const credential = await tx.createCredential({
      id: deps.secrets.uuid(),
      email: input.email,
      name: input.name ?? null,
      passwordHash,
      roles: ['user'],
      emailVerified: false,
    });
    await issueEmailVerification(deps, tx, credential);
    return credential;
  });
}
