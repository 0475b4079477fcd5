import { relative } from 'node:path';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { passwordResetLink } from '../../services/notification/src/domain/password-reset-email';
import { verificationLink } from '../../services/notification/src/domain/verification-email';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { baseDir, k8sRoot, loadBaseManifests, loadSecretTemplates, ofKind, overlayDirs, type Manifest } from './manifests';
import { containerEnv, dataSources } from './pod-env';

/** The Service port an Ingress sends `link` to, as `service:port`, or undefined when it serves no such URL. */
function routedTo(ingresses: readonly IIngress[], link: string): string | undefined {
  const url = new URL(link);
  for (const ingress of ingresses) {
    const tlsHosts = (ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []);
    if (url.protocol === 'https:' && !tlsHosts.includes(url.hostname)) continue;
    for (const rule of ingress.spec?.rules ?? []) {
      if (rule.host !== url.hostname) continue;
      const path = (rule.http?.paths ?? [])
        .filter((p) => (p.pathType === 'Exact' ? url.pathname === p.path : url.pathname === p.path || url.pathname.startsWith(`${p.path!.replace(/\/$/, '')}/`)))
        .sort((a, b) => b.path!.length - a.path!.length)[0];
      const service = path?.backend.service;
      if (service) return `${service.name}:${service.port?.name ?? service.port?.number}`;
    }
  }
  return undefined;
}

function appUrl(manifests: readonly Manifest[], service: string): string {
  const deployment = ofKind<IDeployment>(manifests, 'Deployment').find((d) => d.metadata?.name === service)!;
  const { env } = containerEnv(deployment.spec!.template.spec!.containers[0]!, dataSources([...manifests, ...loadSecretTemplates()]));
  return env.APP_URL!;
}

const rendered = [baseDir, ...overlayDirs()].map((dir) => [relative(k8sRoot, dir), loadBaseManifests(dir)] as const);

describe('links in emails', () => {
  it.each(rendered)('when %s is rendered, then auth and notification build their links on the same APP_URL, over https', (_name, manifests) => {
    expect(appUrl(manifests, 'notification')).toBe(appUrl(manifests, 'auth'));
    expect(new URL(appUrl(manifests, 'notification')).protocol).toBe('https:');
  });

  it.each(rendered)('when %s is rendered, then the verification and password-reset links land on the gateway through its Ingress, over TLS', (_name, manifests) => {
    const ingresses = ofKind<IIngress>(manifests, 'Ingress');
    const base = appUrl(manifests, 'notification');
    expect(routedTo(ingresses, verificationLink(base, 'a-token'))).toBe('gateway:http');
    expect(routedTo(ingresses, passwordResetLink(base, 'a-token'))).toBe('gateway:http');
  });

  it('when APP_URL names a host the Ingress does not serve (the old example), then the route check finds no route', () => {
    const [, example] = rendered.find(([name]) => name === 'overlays/example')!;
    const ingresses = ofKind<IIngress>(example, 'Ingress');
    expect(routedTo(ingresses, verificationLink('https://app.gatehouse.example.org', 't'))).toBeUndefined();
    expect(routedTo(ingresses, 'https://api.gatehouse.example.org/metrics')).toBeUndefined();
    expect(routedTo(ingresses, 'https://api.gatehouse.example.org/apiary')).toBeUndefined();
  });
});
