import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './manifests';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly name: string;
  readonly from: string;
  readonly instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (continuations joined, heredoc bodies skipped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  let heredocEnd: string | undefined;
  let pending = '';
  for (const raw of lines) {
    if (heredocEnd !== undefined) {
      if (raw.trim() === heredocEnd) heredocEnd = undefined;
      continue;
    }
    if (pending === '' && (raw.trim() === '' || raw.trimStart().startsWith('#'))) continue;
    if (raw.endsWith('\\')) {
      pending += `${raw.slice(0, -1)} `;
      continue;
    }
    const line = (pending + raw).trim();
    pending = '';
    const heredoc = /<<-?'?"?(\w+)'?"?/.exec(line);
    if (heredoc) heredocEnd = heredoc[1];
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ from: match?.[1] ?? '', name: match?.[2] ?? String(stages.length), instructions: [] });
    } else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
}

/** The stage and every stage it is built FROM, nearest first. */
export function stageChain(stages: readonly Stage[], name: string): Stage[] {
  const chain: Stage[] = [];
  let current = stages.find((s) => s.name === name);
  while (current) {
    chain.push(current);
    const parent: string = current.from;
    current = stages.find((s) => s.name === parent);
  }
  return chain;
}

/** The last value of an instruction along a stage's chain (later stages override earlier ones). */
export function effective(stages: readonly Stage[], name: string, keyword: string): string | undefined {
  for (const stage of stageChain(stages, name)) {
    const found = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return found.args;
  }
  return undefined;
}

/** ENV values along a stage's chain, handling `ENV A=1 B=2`. */
export function effectiveEnv(stages: readonly Stage[], name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const stage of stageChain(stages, name).reverse()) {
    for (const { keyword, args } of stage.instructions) {
      if (keyword !== 'ENV') continue;
      for (const match of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[match[1]!] = match[2]!.replace(/^"|"$/g, '');
    }
  }
  return env;
}
