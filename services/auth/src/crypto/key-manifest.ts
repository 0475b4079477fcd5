import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Joi from 'joi';
import type { RingKey } from './key-ring';
import { signingKeyFromPem } from './signing-keys';

/** One line of the manifest: a private key file and the instant it starts signing. */
export interface ManifestEntry {
  /** Absolute, or relative to the manifest's folder. */
  readonly file: string;
  readonly activateAt: number;
}

const manifestSchema = Joi.object({
  keys: Joi.array()
    .items(Joi.object({ file: Joi.string().min(1).required(), activateAt: Joi.date().iso().required() }))
    .min(1)
    .required(),
});

/** Validates a manifest (`{"keys":[{"file","activateAt"}]}`) and resolves its paths against `folder`. */
export function parseKeyManifest(document: unknown, folder: string): ManifestEntry[] {
  const { error, value } = manifestSchema.validate(document, { abortEarly: false, stripUnknown: false });
  if (error) throw new Error(`invalid key manifest: ${error.message}`);
  return (value.keys as { file: string; activateAt: Date }[]).map((entry) => ({
    file: resolve(folder, entry.file),
    activateAt: entry.activateAt.getTime(),
  }));
}

export async function readKeyManifest(manifestFile: string): Promise<ManifestEntry[]> {
  const text = await readFile(manifestFile, 'utf8');
  return parseKeyManifest(JSON.parse(text) as unknown, dirname(resolve(manifestFile)));
}

/** Reads the manifest and every private key it names. */
export async function loadKeyManifest(manifestFile: string): Promise<RingKey[]> {
  const entries = await readKeyManifest(manifestFile);
  return Promise.all(entries.map(async (entry) => ({ ...signingKeyFromPem(await readFile(entry.file, 'utf8')), activateAt: entry.activateAt })));
}
