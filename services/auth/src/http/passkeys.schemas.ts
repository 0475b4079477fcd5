import Joi from 'joi';
import { singleLineText } from '@gatehouse/http';
import type { CredentialResponse } from '../domain/passkey.ports';

/** base64url as WebAuthn's JSON writes binary, bounded so no field can carry a payload of its own. */
const base64url = (max: number) =>
  Joi.string()
    .pattern(/^[A-Za-z0-9_-]+$/)
    .max(max)
    .messages({ 'string.pattern.base': '{{#label}} must be base64url' });

/** Credential ids are at most 1023 bytes (WebAuthn §5.4.3): 1364 base64url characters. */
const credentialId = () => base64url(1364);
/** Extensions the client ran; we ask for none, so whatever comes back is kept small and ignored. */
const extensionResults = () => Joi.object().unknown(true).max(16);

const credential = (response: Joi.ObjectSchema) =>
  Joi.object<CredentialResponse>({
    id: credentialId().required(),
    rawId: credentialId().required(),
    type: Joi.string().valid('public-key').required(),
    response: response.required(),
    clientExtensionResults: extensionResults().required(),
    authenticatorAttachment: Joi.string().valid('platform', 'cross-platform'),
  });

/** RegistrationResponseJSON, as `PublicKeyCredential.toJSON()` or the SDK writes it. */
export const registrationResponse = credential(
  Joi.object({
    clientDataJSON: base64url(4096).required(),
    attestationObject: base64url(16_384).required(),
    authenticatorData: base64url(8192),
    transports: Joi.array()
      .items(Joi.string().pattern(/^[a-z-]{1,32}$/))
      .max(8),
    publicKeyAlgorithm: Joi.number().integer(),
    publicKey: base64url(8192),
  }),
);

/** AuthenticationResponseJSON. */
export const authenticationResponse = credential(
  Joi.object({
    clientDataJSON: base64url(4096).required(),
    authenticatorData: base64url(8192).required(),
    // Room for the largest signature of the key algorithms registration accepts (see
    // webauthn-relying-party.ts): RS256 at 8192 bits, 1,024 bytes.
    signature: base64url(2048).required(),
    // A user handle is at most 64 bytes (WebAuthn §5.4.3).
    userHandle: base64url(86),
  }),
);

export const registerVerifyBody = Joi.object<{ response: CredentialResponse; name?: string }>({
  response: registrationResponse.required(),
  name: singleLineText().trim().min(1).max(64),
});

export const loginVerifyBody = Joi.object<{ response: CredentialResponse }>({ response: authenticationResponse.required() });

export const passkeyIdParams = Joi.object<{ id: string }>({ id: Joi.string().guid().required() });
