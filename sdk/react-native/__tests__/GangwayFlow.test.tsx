import React from 'react';
import { BackHandler } from 'react-native';
import { act, fireEvent, render, screen } from '@testing-library/react-native';

import { GangwayFlow, type GangwayResult } from '../src';
// The mock in __mocks__/react-native-webview.tsx records the props the SDK gave the web view.
import { rendered } from '../__mocks__/react-native-webview';

const BASE = 'https://onboarding.example.com/';
const ID = '9c017aec-c952-4713-aa10-11708cb0d11a';

function webview(): Record<string, any> {
  if (rendered.props === null) {
    throw new Error('no web view rendered');
  }
  return rendered.props;
}

function post(message: object | string): void {
  const data = typeof message === 'string' ? message : JSON.stringify(message);
  act(() => webview().onMessage({ nativeEvent: { data } }));
}

function loadEnd(url: string): void {
  act(() => webview().onLoadEnd({ nativeEvent: { url, loading: false } }));
}

function show(extra: Partial<React.ComponentProps<typeof GangwayFlow>> = {}) {
  const onResult = jest.fn<void, [GangwayResult]>();
  render(
    <GangwayFlow token="tok+1" publicKey="pk_test" baseUrl={BASE} onResult={onResult} {...extra} />,
  );
  return onResult;
}

let backHandlers: Array<() => boolean>;

beforeEach(() => {
  rendered.props = null;
  backHandlers = [];
  jest.spyOn(BackHandler, 'addEventListener').mockImplementation((_event, handler) => {
    backHandlers.push(handler as () => boolean);
    return { remove: () => backHandlers.splice(backHandlers.indexOf(handler as any), 1) };
  });
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

test('opens the contract URL in react-native mode, hidden behind a loading view', () => {
  show();
  expect(webview().source).toEqual({
    uri: 'https://onboarding.example.com/flow/start?token=tok%2B1&platform=react-native&public_key=pk_test',
  });
  expect(webview().javaScriptEnabled).toBe(true);
  expect(webview().domStorageEnabled).toBe(true);
  expect(webview().sharedCookiesEnabled).toBe(true);
  expect(screen.getByTestId('gangway-loading')).toBeTruthy();
  expect(screen.getByTestId('gangway-webview')).toHaveStyle({ opacity: 0 });
});

test('the first loaded page reveals the flow; completed is reported once', () => {
  const onResult = show();
  loadEnd(`${BASE}flow/onboarding/welcome`);
  expect(screen.queryByTestId('gangway-loading')).toBeNull();
  expect(screen.getByTestId('gangway-webview')).not.toHaveStyle({ opacity: 0 });
  const message = { type: 'result', status: 'completed', flow: 'onboarding', individual_id: ID };
  post(message);
  post(message);
  expect(onResult).toHaveBeenCalledTimes(1);
  expect(onResult).toHaveBeenCalledWith({ status: 'completed', flow: 'onboarding', individualId: ID });
});

test('an expired token is reported before the flow is ever shown', () => {
  const onResult = show();
  post({
    type: 'result',
    status: 'error',
    flow: 'onboarding',
    individual_id: null,
    error: { code: 'token_expired', domain: 'token_expired', description: 'This link has expired' },
  });
  loadEnd(`${BASE}flow/start?token=x`); // the error page finishes loading after it posted
  expect(onResult).toHaveBeenCalledWith({
    status: 'error',
    flow: 'onboarding',
    individualId: null,
    error: { code: 'token_expired', domain: 'token_expired', description: 'This link has expired' },
  });
  expect(screen.getByTestId('gangway-loading')).toBeTruthy();
  expect(screen.getByTestId('gangway-webview')).toHaveStyle({ opacity: 0 });
});

test('step pages and other message types report nothing', () => {
  const onResult = show();
  loadEnd(`${BASE}flow/onboarding/personal`);
  post({ type: 'progress', step: 'personal' });
  expect(onResult).not.toHaveBeenCalled();
});

test('a network failure is a connection_error', () => {
  const onResult = show();
  act(() => webview().onError({ nativeEvent: { description: 'net::ERR_INTERNET_DISCONNECTED' } }));
  expect(onResult).toHaveBeenCalledWith({
    status: 'error',
    flow: null,
    individualId: null,
    error: {
      code: 'network_error',
      domain: 'connection_error',
      description: 'net::ERR_INTERNET_DISCONNECTED',
    },
  });
});

test('a page that never loads times out as a connection_error', () => {
  jest.useFakeTimers();
  const onResult = show({ loadTimeoutMs: 5000 });
  act(() => jest.advanceTimersByTime(4999));
  expect(onResult).not.toHaveBeenCalled();
  act(() => jest.advanceTimersByTime(1));
  expect(onResult).toHaveBeenCalledTimes(1);
  expect(onResult.mock.calls[0][0].error).toMatchObject({
    code: 'timeout',
    domain: 'connection_error',
  });
});

test('no timeout once the first page has loaded', () => {
  jest.useFakeTimers();
  const onResult = show({ loadTimeoutMs: 5000 });
  loadEnd(`${BASE}flow/onboarding/welcome`);
  act(() => jest.advanceTimersByTime(60_000));
  expect(onResult).not.toHaveBeenCalled();
});

test("Android's back button cancels with the flow of the last page", () => {
  const onResult = show();
  act(() => webview().onNavigationStateChange({ url: `${BASE}flow/identity_verification/confirm` }));
  loadEnd(`${BASE}flow/identity_verification/confirm`);
  let handled = false;
  act(() => {
    handled = backHandlers[backHandlers.length - 1]();
  });
  expect(handled).toBe(true);
  expect(onResult).toHaveBeenCalledWith({
    status: 'canceled',
    flow: 'identity_verification',
    individualId: null,
  });
});

test('a bad configuration is reported without a web view', () => {
  const onResult = show({ publicKey: '' });
  expect(rendered.props).toBeNull();
  expect(onResult).toHaveBeenCalledWith({
    status: 'error',
    flow: null,
    individualId: null,
    error: expect.objectContaining({ code: 'missing_public_key', domain: 'invalid_public_key' }),
  });
});

test('links out of the flow open in the browser, not in the web view', () => {
  const { Linking } = require('react-native');
  const open = jest.spyOn(Linking, 'openURL').mockResolvedValue(true);
  show();
  const decide = webview().onShouldStartLoadWithRequest;
  expect(decide({ url: `${BASE}flow/onboarding/address` })).toBe(true);
  expect(decide({ url: 'https://partner.example/privacy' })).toBe(false);
  expect(open).toHaveBeenCalledWith('https://partner.example/privacy');
});

test('an unreadable message is an unexpected_error', () => {
  const onResult = show();
  post('{not json');
  expect(onResult.mock.calls[0][0]).toMatchObject({
    status: 'error',
    error: { code: 'invalid_message', domain: 'unexpected_error' },
  });
});

test('unmounting stops the timer', () => {
  jest.useFakeTimers();
  const onResult = show({ loadTimeoutMs: 1000 });
  screen.unmount();
  act(() => jest.advanceTimersByTime(5000));
  expect(onResult).not.toHaveBeenCalled();
  expect(fireEvent).toBeDefined();
});
