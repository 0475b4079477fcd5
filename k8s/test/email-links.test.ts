import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { continueLink } from '../../services/auth/src/http/html-page';
import { passwordResetLink } from '../../services/notification/src/domain/password-reset-email';
import { signInLink } from '../../services/notification/src/domain/security-notice-email';
import { verificationLink } from '../../services/notification/src/domain/verification-email';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { baseDir, k8sRoot, loadBaseManifests, loadSecretTemplates, ofKind, overlayDirs, repoRoot, type Manifest } from './manifests';
import { containerEnv, dataSources } from './pod-env';
import { deployedService } from './service-catalog';

/** The Service port an Ingress sends `link` to, as `service:port`, or undefined when it serves no such URL. */
function routedTo(ingresses: readonly IIngress[], link: string): string | undefined {
  const url = new URL(link);
  for (const ingress of ingresses) {
    const tlsHosts = (ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []);
    if (url.protocol === 'https:' && !tlsHosts.includes(url.hostname)) continue;
    for (const rule of ingress.spec?.rules ?? []) {
      if (rule.host !== url.hostname) continue;
      const path = (rule.http?.paths ?? [])
        .filter((p) =>
          p.pathType === 'Exact' ? url.pathname === p.path : url.pathname === p.path || url.pathname.startsWith(`${p.path!.replace(/\/$/, '')}/`),
        )
        .sort((a, b) => b.path!.length - a.path!.length)[0];
      const service = path?.backend.service;
      if (service) return `${service.name}:${service.port?.name ?? service.port?.number}`;
    }
  }
  return undefined;
}

function envOf(manifests: readonly Manifest[], service: string): Record<string, string> {
  const deployment = ofKind<IDeployment>(manifests, 'Deployment').find((d) => d.metadata?.name === service)!;
  return containerEnv(deployment.spec!.template.spec!.containers[0]!, dataSources([...manifests, ...loadSecretTemplates()])).env;
}

function appUrl(manifests: readonly Manifest[], service: string): string {
  return envOf(manifests, service).APP_URL!;
}

/** As the service's own config loader reads the rendered environment, defaults included. */
function linkSettings(manifests: readonly Manifest[], service: 'auth' | 'notification'): { APP_URL: string; SIGN_IN_URL: string } {
  return deployedService(service).load(envOf(manifests, service)) as { APP_URL: string; SIGN_IN_URL: string };
}

/** The browser origins the gateway admits with credentials: where the platform's web app runs. */
function webAppOrigins(manifests: readonly Manifest[]): string[] {
  return (envOf(manifests, 'gateway').CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim());
}

/** Where a link lands: a Service through the Ingress, the web app (an https CORS origin), or nowhere. */
function landsOn(manifests: readonly Manifest[], link: string): string | undefined {
  const routed = routedTo(ofKind<IIngress>(manifests, 'Ingress'), link);
  if (routed) return routed;
  const url = new URL(link);
  return url.protocol === 'https:' && webAppOrigins(manifests).includes(url.origin) ? 'web app' : undefined;
}

/** Every link a user is sent or shown, as its builder makes it from the rendered settings. */
function builtLinks(manifests: readonly Manifest[]) {
  const notification = linkSettings(manifests, 'notification');
  const auth = linkSettings(manifests, 'auth');
  return {
    verificationLink: verificationLink(notification.APP_URL, 'a-token'),
    passwordResetLink: passwordResetLink(notification.APP_URL, 'a-token'),
    signInLink: signInLink(notification.SIGN_IN_URL),
    continueLink: continueLink(auth.SIGN_IN_URL),
  };
}

/** Exported `…Link` functions that build no link of their own. */
const NOT_BUILDERS: Record<string, string> = {
  tokenLink: 'the helper behind verificationLink and passwordResetLink',
  htmlLink: 'renders the <a> of a link it is given',
};

const rendered = [baseDir, ...overlayDirs()].map((dir) => [relative(k8sRoot, dir), loadBaseManifests(dir)] as const);

describe('links in emails', () => {
  it.each(rendered)('when %s is rendered, then auth and notification build their links on the same APP_URL, over https', (_name, manifests) => {
    expect(appUrl(manifests, 'notification')).toBe(appUrl(manifests, 'auth'));
    expect(new URL(appUrl(manifests, 'notification')).protocol).toBe('https:');
  });

  it.each(rendered)(
    'when %s is rendered, then every link lands: the token links on the gateway through the Ingress, the sign-in links on the web app',
    (_name, manifests) => {
      const links = builtLinks(manifests);

      expect(Object.fromEntries(Object.entries(links).map(([builder, link]) => [builder, landsOn(manifests, link)]))).toEqual({
        verificationLink: 'gateway:http',
        passwordResetLink: 'gateway:http',
        signInLink: 'web app',
        continueLink: 'web app',
      });
      expect(linkSettings(manifests, 'auth').SIGN_IN_URL).toBe(linkSettings(manifests, 'notification').SIGN_IN_URL);
    },
  );

  it('when a service exports a link builder, then the check above covers it', () => {
    const sources = ['services/notification/src/domain', 'services/auth/src/http'].flatMap((dir) =>
      readdirSync(join(repoRoot, dir))
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .map((file) => readFileSync(join(repoRoot, dir, file), 'utf8')),
    );
    const exported = sources.flatMap((source) => [...source.matchAll(/^export function (\w+Link)\(/gm)].map((m) => m[1]!));
    const covered = Object.keys(builtLinks(rendered[0]![1]));

    expect(exported.filter((name) => !(name in NOT_BUILDERS)).sort()).toEqual(covered.sort());
  });

  it('when SIGN_IN_URL is left to its default (APP_URL), then the sign-in links land nowhere: the Ingress serves no page at its root', () => {
    const [, example] = rendered.find(([name]) => name === 'overlays/example')!;
    const api = appUrl(example, 'notification');

    expect(landsOn(example, signInLink(api))).toBeUndefined();
    expect(landsOn(example, continueLink(api))).toBeUndefined();
    expect(landsOn(example, 'http://app.gatehouse.example.org/')).toBeUndefined();
  });

  it('when APP_URL names a host the Ingress does not serve (the old example), then the route check finds no route', () => {
    const [, example] = rendered.find(([name]) => name === 'overlays/example')!;
    const ingresses = ofKind<IIngress>(example, 'Ingress');
    expect(routedTo(ingresses, verificationLink('https://app.gatehouse.example.org', 't'))).toBeUndefined();
    expect(routedTo(ingresses, 'https://api.gatehouse.example.org/metrics')).toBeUndefined();
    expect(routedTo(ingresses, 'https://api.gatehouse.example.org/apiary')).toBeUndefined();
  });
});
