/** What the OAuth client use cases (client credentials grant) need from the outside world. */

/** An OAuth client as admins see it; its secret is never kept, only the digest. */
export interface OAuthClient {
  /** `svc_` and 128 random bits, base64url (CLIENT_ID_PATTERN of @gatehouse/events). */
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly createdAt: Date;
}

export interface NewOAuthClient extends Omit<OAuthClient, 'createdAt'> {
  /** `SecretGenerator.digest` of the secret. */
  readonly secretDigest: string;
  /** The admin's user id. */
  readonly createdBy: string;
}

/** What a token request is checked against. */
export interface ClientCredential {
  readonly clientId: string;
  readonly secretDigest: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/** Reads outside transactions; changes go through `AuthTransaction`. */
export interface ClientStore {
  /** One primary-key lookup: the whole database cost of a token request. */
  findCredential(clientId: string): Promise<ClientCredential | undefined>;
  /** Every client, oldest first (their number is capped by configuration). */
  list(): Promise<OAuthClient[]>;
}

/** What a service's access token says (RFC 9068): `sub` = `client_id`, no session, no person. */
export interface ClientTokenClaims {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}
