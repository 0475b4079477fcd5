import { isAppError, validationError } from '@gatehouse/errors';
import type { AuthTransaction, Credential, Limiter, NewCredential, PasswordHasher, SecretGenerator, Transactions } from './auth.ports';
import { issueEmailVerification, type VerificationDeps } from './email-verification';
import { passwordProblem } from './password-policy';
import { securityNotice } from './security-notice';

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string;
  /** Of the request, as the owner of an existing account would be told it (already cut to size). */
  readonly userAgent: string | null;
}

export interface RegisterDeps extends VerificationDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly secrets: Pick<SecretGenerator, 'uuid' | 'token' | 'digest'>;
  /** Answer the same whether or not the address has an account; its owner is told instead. */
  readonly concealExisting: boolean;
  /** Counts "someone tried to register" notices per email digest; past it, silently none. */
  readonly noticesPerEmail: Limiter;
}

/** `concealed`: the caller must answer the same whatever happened, so it is not told. */
export type RegisterResult = { readonly outcome: 'created'; readonly credential: Credential } | { readonly outcome: 'concealed' };

const CONCEALED: RegisterResult = { outcome: 'concealed' };

async function createAccount(deps: RegisterDeps, tx: AuthTransaction, account: NewCredential): Promise<Credential> {
  const credential = await tx.createCredential(account);
  await issueEmailVerification(deps, tx, credential);
  return credential;
}

/** Creates the account, or when the address is taken tells its owner that someone tried. */
function createOrNotify(deps: RegisterDeps, account: NewCredential, userAgent: string | null): Promise<void> {
  return deps.transactions.run(async (tx) => {
    const existing = await tx.findByEmail(account.email);
    if (!existing) return void (await createAccount(deps, tx, account));
    // One notice now and then is a warning; one per attempt would be a way to flood a mailbox.
    if (!(await deps.noticesPerEmail.hit(deps.secrets.digest(existing.email))).allowed) return;
    await tx.publish(securityNotice(existing, 'registration_attempted', new Date(deps.clock()), userAgent));
  });
}

/**
 * Creates an unverified account with the `user` role and, in the same transaction, its email
 * verification and the `user.registered` event. The broker is not involved: the outbox relay
 * publishes after commit, so registration works while the broker is away.
 *
 * A taken address is `email_taken`, unless `concealExisting`: then nothing is created, the
 * owner gets a `user.security_notice`, and the outcome is `concealed` either way. The password is
 * hashed in both cases, so the time taken does not tell them apart either.
 */
export async function register(deps: RegisterDeps, input: RegisterInput): Promise<RegisterResult> {
  const problem = passwordProblem(input.password);
  if (problem) throw validationError([{ path: 'password', message: `"password" ${problem}` }]);
  const account: NewCredential = {
    id: deps.secrets.uuid(),
    email: input.email,
    name: input.name ?? null,
    passwordHash: await deps.hasher.hash(input.password),
    roles: ['user'],
    emailVerified: false,
  };
  if (!deps.concealExisting) return { outcome: 'created', credential: await deps.transactions.run((tx) => createAccount(deps, tx, account)) };
  try {
    await createOrNotify(deps, account, input.userAgent);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'email_taken') throw error;
    // A concurrent registration of the address committed between our read and our insert; the
    // failed insert ended that transaction, so tell the new owner from a fresh one.
    await createOrNotify(deps, account, input.userAgent);
  }
  return CONCEALED;
}
