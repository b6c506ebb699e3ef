/**
 * The platform-free part of the SDK: the flow URL, message parsing and the results the SDK makes
 * itself. It follows sdk/contract/vectors.json (see docs/sdk-bridge.md in the Gangway repository).
 */

export type GangwayStatus = 'completed' | 'canceled' | 'error';

/** The flows Gangway serves today; a newer server may send another name, passed through as is. */
export type GangwayFlowKind =
  | 'onboarding'
  | 'identity_verification'
  | 'proof_of_address_verification';

export type GangwayErrorDomain =
  | 'unexpected_error'
  | 'connection_error'
  | 'token_expired'
  | 'invalid_public_key';

export interface GangwayError {
  code: string;
  domain: GangwayErrorDomain;
  description: string;
}

export interface GangwayResult {
  status: GangwayStatus;
  /** The flow the result is about; null when the user left before any flow page loaded. */
  flow: GangwayFlowKind | (string & {}) | null;
  /** The individual's id; null for a refused token and for results the SDK made itself. */
  individualId: string | null;
  /** Only with status 'error'. */
  error?: GangwayError;
}

export type GangwayPlatform = 'ios' | 'android' | 'react-native';

export const DOMAINS: readonly GangwayErrorDomain[] = [
  'unexpected_error',
  'connection_error',
  'token_expired',
  'invalid_public_key',
];

const INVALID_MESSAGE: GangwayError = {
  code: 'invalid_message',
  domain: 'unexpected_error',
  description: 'The flow sent a message the SDK could not read.',
};

const BASE_URL = /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i;

/** encodeURIComponent keeps !'()*; the contract encodes everything but A-Z a-z 0-9 - . _ ~. */
export function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

export type FlowUrl = { url: string; error?: undefined } | { url?: undefined; error: GangwayError };

/** `{base}/flow/start?token=…&platform=…&public_key=…`, or the configuration error. */
export function flowUrl(
  baseUrl: string,
  token: string,
  platform: GangwayPlatform,
  publicKey: string,
): FlowUrl {
  if (!BASE_URL.test(baseUrl)) {
    return configError(
      'invalid_base_url',
      'unexpected_error',
      'The base URL must be an absolute http(s) URL without query or fragment.',
    );
  }
  if (!token) {
    return configError('missing_token', 'unexpected_error', 'No token was given.');
  }
  if (!publicKey) {
    return configError(
      'missing_public_key',
      'invalid_public_key',
      'No public key is configured: call Gangway.configure({publicKey, baseUrl}).',
    );
  }
  const base = baseUrl.replace(/\/+$/, '');
  const query = [
    `token=${encodeValue(token)}`,
    `platform=${encodeValue(platform)}`,
    `public_key=${encodeValue(publicKey)}`,
  ].join('&');
  return { url: `${base}/flow/start?${query}` };
}

function configError(code: string, domain: GangwayErrorDomain, description: string): FlowUrl {
  return { error: { code, domain, description } };
}

/** The flow a page URL belongs to (`…/flow/<flow>/<step>`), else null. */
export function flowFromUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0];
  const match = /\/flow\/([a-z_]+)\/[^/]+\/?$/.exec(path);
  return match && match[1] !== 'static' ? match[1] : null;
}

/** The result for a message string (Android, React Native); null when it is not a result. */
export function parseMessage(raw: string): GangwayResult | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return invalid(null, null);
  }
  return parseMessageObject(value);
}

/** The result for a decoded message (what iOS receives); null when it is not a result. */
export function parseMessageObject(value: unknown): GangwayResult | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return invalid(null, null);
  }
  const message = value as Record<string, unknown>;
  if (message.type !== 'result') {
    return null;
  }
  const flow = typeof message.flow === 'string' ? message.flow : null;
  const individualId = typeof message.individual_id === 'string' ? message.individual_id : null;
  switch (message.status) {
    case 'completed':
      return individualId === null || flow === null
        ? invalid(flow, individualId)
        : { status: 'completed', flow, individualId };
    case 'canceled':
      return { status: 'canceled', flow, individualId };
    case 'error': {
      const error = message.error as Record<string, unknown> | null | undefined;
      if (
        error === null ||
        typeof error !== 'object' ||
        typeof error.code !== 'string' ||
        typeof error.domain !== 'string' ||
        typeof error.description !== 'string'
      ) {
        return invalid(flow, individualId);
      }
      const domain = (DOMAINS as readonly string[]).includes(error.domain)
        ? (error.domain as GangwayErrorDomain)
        : 'unexpected_error';
      return {
        status: 'error',
        flow,
        individualId,
        error: { code: error.code, domain, description: error.description },
      };
    }
    default:
      return invalid(flow, individualId);
  }
}

function invalid(flow: string | null, individualId: string | null): GangwayResult {
  return { status: 'error', flow, individualId, error: { ...INVALID_MESSAGE } };
}

/** The user closed the flow (Android back, a dismissed modal). */
export function canceledByUser(flow: string | null): GangwayResult {
  return { status: 'canceled', flow, individualId: null };
}

/** The page could not be loaded (`network_error`) or did not load in time (`timeout`). */
export function connectionError(
  code: 'network_error' | 'timeout',
  flow: string | null,
  description?: string,
): GangwayResult {
  return {
    status: 'error',
    flow,
    individualId: null,
    error: {
      code,
      domain: 'connection_error',
      description:
        description ??
        (code === 'timeout' ? 'The flow did not load in time.' : 'The flow could not be loaded.'),
    },
  };
}

/** The flow of the last URL in `urls` that names one. */
export function lastFlow(urls: readonly string[]): string | null {
  let flow: string | null = null;
  for (const url of urls) {
    flow = flowFromUrl(url) ?? flow;
  }
  return flow;
}
