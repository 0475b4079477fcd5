/**
 * The browser half of WebAuthn: options from JSON to the binary form `navigator.credentials`
 * takes, and its credential back to the JSON the API verifies (the shapes of WebAuthn Level 3's
 * `parseCreationOptionsFromJSON` and `toJSON()`, written out for browsers that lack them).
 */

type Json = Record<string, unknown>;
interface Descriptor {
  readonly id: string;
}

const toBase64url = (buffer: ArrayBuffer): string =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const fromBase64url = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const descriptors = (list: unknown) => ((list ?? []) as Descriptor[]).map((d) => ({ ...d, id: fromBase64url(d.id) }));

/** What both kinds of credential carry besides their response. */
function credentialJson(credential: PublicKeyCredential, response: Json): Json {
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: { clientDataJSON: toBase64url(credential.response.clientDataJSON), ...response },
    clientExtensionResults: credential.getClientExtensionResults(),
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
  };
}

/** `navigator.credentials.create()` for the API's creation options; the registration as JSON. */
export async function createPasskey(options: Json): Promise<Json> {
  const user = options.user as Json & { id: string };
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge as string),
    user: { ...user, id: fromBase64url(user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  } as unknown as PublicKeyCredentialCreationOptions;
  const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
  const response = credential.response as AuthenticatorAttestationResponse;
  return credentialJson(credential, { attestationObject: toBase64url(response.attestationObject), transports: response.getTransports?.() ?? [] });
}

/** `navigator.credentials.get()` for the API's request options; the assertion as JSON. */
export async function usePasskey(options: Json): Promise<Json> {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge as string),
    allowCredentials: descriptors(options.allowCredentials),
  } as unknown as PublicKeyCredentialRequestOptions;
  const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
  const response = credential.response as AuthenticatorAssertionResponse;
  return credentialJson(credential, {
    authenticatorData: toBase64url(response.authenticatorData),
    signature: toBase64url(response.signature),
    ...(response.userHandle ? { userHandle: toBase64url(response.userHandle) } : {}),
  });
}
