// The shared vectors (sdk/contract/vectors.json) through this SDK's URL composer and parsers.
import * as fs from 'fs';
import * as path from 'path';

import {
  canceledByUser,
  connectionError,
  flowFromUrl,
  flowUrl,
  lastFlow,
  parseMessage,
  parseMessageObject,
} from '../src/contract';

const vectors = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'contract', 'vectors.json'), 'utf8'),
);
const ID = '9c017aec-c952-4713-aa10-11708cb0d11a';

function fill<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).split('<individual_id>').join(ID));
}

describe('URL vectors', () => {
  test.each(vectors.urls.map((v: any) => [v.name, v]))('%s', (_name, v: any) => {
    expect(flowUrl(v.base_url, v.token, v.platform, v.public_key)).toEqual({ url: v.url });
  });

  test.each(vectors.url_errors.map((v: any) => [v.name, v]))('%s is refused', (_name, v: any) => {
    const composed = flowUrl(v.base_url, v.token, v.platform, v.public_key);
    expect(composed.url).toBeUndefined();
    expect({ code: composed.error?.code, domain: composed.error?.domain }).toEqual(v.error);
  });
});

describe('outcome vectors', () => {
  test.each(vectors.outcomes.map((v: any) => [v.name, v]))('%s', (_name, v: any) => {
    const message = fill(v.message);
    const result = fill(v.result);
    expect(parseMessage(JSON.stringify(message))).toEqual(result); // Android / React Native
    expect(parseMessageObject(message)).toEqual(result); // iOS hands over the object
  });
});

describe('malformed and unusual messages', () => {
  test.each(vectors.messages.map((v: any) => [v.name, v]))('%s', (_name, v: any) => {
    expect(parseMessage(v.raw)).toEqual(v.result);
  });
});

describe('results the SDK makes itself', () => {
  test.each(vectors.native_events.map((v: any) => [v.name, v]))('%s', (_name, v: any) => {
    const flow = lastFlow(v.urls_seen);
    const made =
      v.event === 'user_closed'
        ? canceledByUser(flow)
        : connectionError(v.event === 'timeout' ? 'timeout' : 'network_error', flow);
    const { error, ...rest } = made;
    const { error: expectedError, ...expectedRest } = v.result;
    expect(rest).toEqual(expectedRest);
    if (expectedError) {
      expect({ code: error?.code, domain: error?.domain }).toEqual(expectedError);
      expect(typeof error?.description).toBe('string');
    } else {
      expect(error).toBeUndefined();
    }
  });

  test.each(vectors.flow_from_url.map((v: any) => [v.url, v.flow]))('flow of %s', (url, flow) => {
    expect(flowFromUrl(url as string)).toBe(flow);
  });
});
