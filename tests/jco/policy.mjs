// An allowlist for wasi:http/outgoing-handler under jco: preview2-shim lets a component reach
// anything, so this wrapper refuses every request whose origin (scheme://host:port, default
// port by scheme) is not in WANDB_AGENT_ALLOW (comma-separated). The component sees the
// standard `HTTP-request-denied` error code, as under wandb-agent's own host.
import { outgoingHandler as shim } from '@bytecodealliance/preview2-shim/http';

const DEFAULT_PORT = { http: '80', https: '443' };

function normalise(origin) {
  const url = new URL(origin);
  return `${url.protocol.replace(':', '')}://${url.hostname.toLowerCase()}:${url.port || DEFAULT_PORT[url.protocol.replace(':', '')]}`;
}

const allowed = new Set((process.env.WANDB_AGENT_ALLOW || '').split(',').filter(Boolean).map(normalise));

export function originOf(request) {
  const scheme = request.scheme();
  const name = scheme?.tag === 'HTTPS' ? 'https' : scheme?.tag === 'HTTP' ? 'http' : String(scheme?.val ?? '');
  const authority = (request.authority() ?? '').toLowerCase();
  if (authority.includes('@')) return null;
  const hasPort = /:\d+$/.test(authority);
  return `${name}://${hasPort ? authority : `${authority}:${DEFAULT_PORT[name] ?? ''}`}`;
}

export const outgoingHandler = {
  handle(request, options) {
    const origin = originOf(request);
    if (!origin || !allowed.has(origin)) {
      throw { tag: 'HTTP-request-denied' };
    }
    return shim.handle(request, options);
  },
};
