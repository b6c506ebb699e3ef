import React from 'react';
import { Text } from 'react-native';
import { act, fireEvent, render, screen } from '@testing-library/react-native';

import { Gangway, GangwayProvider, type GangwayResult } from '../src';
import { resetGangwayForTests } from '../src/Gangway';
import { rendered } from '../__mocks__/react-native-webview';

const ID = '9c017aec-c952-4713-aa10-11708cb0d11a';

function webview(): Record<string, any> {
  if (rendered.props === null) {
    throw new Error('no web view rendered');
  }
  return rendered.props;
}

function post(message: object): void {
  act(() => webview().onMessage({ nativeEvent: { data: JSON.stringify(message) } }));
}

beforeEach(() => {
  rendered.props = null;
  resetGangwayForTests();
});

function app() {
  render(
    <GangwayProvider>
      <Text>My app</Text>
    </GangwayProvider>,
  );
}

test('launch rejects until configure was called', async () => {
  app();
  await expect(Gangway.launch('tok')).rejects.toThrow('Gangway.configure');
});

test('launch rejects without a provider', async () => {
  Gangway.configure({ publicKey: 'pk_test', baseUrl: 'https://onboarding.example.com' });
  await expect(Gangway.launch('tok')).rejects.toThrow('GangwayProvider');
});

test('launch presents the flow modally and resolves with its result', async () => {
  Gangway.configure({ publicKey: 'pk_test', baseUrl: 'https://onboarding.example.com/' });
  app();
  expect(screen.queryByTestId('gangway-webview')).toBeNull(); // nothing until launch
  let promise!: Promise<GangwayResult>;
  act(() => {
    promise = Gangway.launch('tok_1');
  });
  expect(screen.getByTestId('gangway-modal')).toBeVisible();
  expect(webview().source.uri).toBe(
    'https://onboarding.example.com/flow/start?token=tok_1&platform=react-native&public_key=pk_test',
  );
  await expect(Gangway.launch('tok_2')).rejects.toThrow('already open');
  post({ type: 'result', status: 'completed', flow: 'onboarding', individual_id: ID });
  await expect(promise).resolves.toEqual({
    status: 'completed',
    flow: 'onboarding',
    individualId: ID,
  });
  expect(screen.queryByTestId('gangway-webview')).toBeNull(); // closed
  expect(screen.getByText('My app')).toBeTruthy();
});

test('a dismissed modal (swipe down, Android back) is canceled with the flow shown', async () => {
  Gangway.configure({ publicKey: 'pk_test', baseUrl: 'https://onboarding.example.com' });
  app();
  let promise!: Promise<GangwayResult>;
  act(() => {
    promise = Gangway.launch('tok');
  });
  act(() =>
    webview().onLoadEnd({
      nativeEvent: { url: 'https://onboarding.example.com/flow/proof_of_address_verification/confirm', loading: false },
    }),
  );
  fireEvent(screen.getByTestId('gangway-modal'), 'requestClose');
  await expect(promise).resolves.toEqual({
    status: 'canceled',
    flow: 'proof_of_address_verification',
    individualId: null,
  });
});

test('the close button cancels', async () => {
  Gangway.configure({ publicKey: 'pk_test', baseUrl: 'https://onboarding.example.com' });
  app();
  let promise!: Promise<GangwayResult>;
  act(() => {
    promise = Gangway.launch('tok');
  });
  fireEvent.press(screen.getByTestId('gangway-close'));
  await expect(promise).resolves.toEqual({ status: 'canceled', flow: null, individualId: null });
  // The next launch works again.
  act(() => {
    promise = Gangway.launch('tok');
  });
  post({
    type: 'result',
    status: 'error',
    flow: 'onboarding',
    individual_id: null,
    error: { code: 'already_submitted', domain: 'token_expired', description: 'Done already' },
  });
  await expect(promise).resolves.toMatchObject({
    status: 'error',
    error: { code: 'already_submitted', domain: 'token_expired' },
  });
});

test('a missing public key resolves as invalid_public_key without showing a page', async () => {
  Gangway.configure({ publicKey: '', baseUrl: 'https://onboarding.example.com' });
  app();
  let promise!: Promise<GangwayResult>;
  act(() => {
    promise = Gangway.launch('tok');
  });
  await expect(promise).resolves.toMatchObject({
    status: 'error',
    error: { code: 'missing_public_key', domain: 'invalid_public_key' },
  });
  expect(rendered.props).toBeNull();
});
