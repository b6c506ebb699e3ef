import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ActivityIndicator,
  BackHandler,
  Linking,
  StyleSheet,
  View,
  type StyleProp,
  type ViewStyle,
} from 'react-native';
import { WebView, type WebViewMessageEvent, type WebViewNavigation } from 'react-native-webview';

import {
  canceledByUser,
  connectionError,
  flowFromUrl,
  flowUrl,
  parseMessage,
  type GangwayResult,
} from './contract';

export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

export interface GangwayFlowProps {
  /** The `token` your backend got from `POST /v3/individuals/{id}/onboard` or `/v3/consents/{id}`. */
  token: string;
  /** Your partner SDK public key (`pk_…`). */
  publicKey: string;
  /** Gangway's public URL, e.g. `https://onboarding.example.com`. */
  baseUrl: string;
  /** Called exactly once with the outcome; then unmount the component. */
  onResult: (result: GangwayResult) => void;
  /** How long the first page may take to load before the result is a `connection_error`. */
  loadTimeoutMs?: number;
  /** Shown until the first page has loaded (default: a spinner). */
  loadingView?: React.ReactNode;
  style?: StyleProp<ViewStyle>;
  /** Android's back button cancels the flow (default). Set false when a host handles it. */
  handleBackButton?: boolean;
  /** Every URL the web view shows (for hosts that track the flow). */
  onUrl?: (url: string) => void;
}

function sameOrigin(url: string, base: string): boolean {
  const origin = (u: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(u)?.[0].toLowerCase();
  return origin(url) !== undefined && origin(url) === origin(base);
}

/**
 * The hosted flow in a web view. The web view stays hidden behind `loadingView` until its first
 * page has loaded, so an expired or used token is reported without showing any page.
 */
export function GangwayFlow(props: GangwayFlowProps): React.ReactElement | null {
  const {
    token,
    publicKey,
    baseUrl,
    onResult,
    loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS,
    loadingView,
    style,
    handleBackButton = true,
    onUrl,
  } = props;
  const target = useMemo(
    () => flowUrl(baseUrl, token, 'react-native', publicKey),
    [baseUrl, token, publicKey],
  );
  const [loaded, setLoaded] = useState(false);
  const finished = useRef(false);
  const flow = useRef<string | null>(null);
  const onResultRef = useRef(onResult);
  onResultRef.current = onResult;

  const finish = useCallback((result: GangwayResult) => {
    if (finished.current) {
      return;
    }
    finished.current = true;
    onResultRef.current(result);
  }, []);

  useEffect(() => {
    if (target.error) {
      finish({ status: 'error', flow: null, individualId: null, error: target.error });
    }
  }, [target, finish]);

  useEffect(() => {
    if (loaded || target.error) {
      return undefined;
    }
    const timer = setTimeout(() => finish(connectionError('timeout', flow.current)), loadTimeoutMs);
    return () => clearTimeout(timer);
  }, [loaded, loadTimeoutMs, target, finish]);

  useEffect(() => {
    if (!handleBackButton) {
      return undefined;
    }
    const subscription = BackHandler.addEventListener('hardwareBackPress', () => {
      finish(canceledByUser(flow.current));
      return true;
    });
    return () => subscription.remove();
  }, [handleBackButton, finish]);

  const track = (url: string | undefined) => {
    flow.current = flowFromUrl(url) ?? flow.current;
    if (url) {
      onUrl?.(url);
    }
  };

  if (target.error) {
    return null;
  }

  return (
    <View style={[styles.fill, style]} testID="gangway-flow">
      <WebView
        testID="gangway-webview"
        source={{ uri: target.url }}
        style={[styles.fill, !loaded && styles.hidden]}
        originWhitelist={['http://*', 'https://*']}
        javaScriptEnabled
        domStorageEnabled
        sharedCookiesEnabled
        thirdPartyCookiesEnabled={false}
        allowsInlineMediaPlayback
        mediaPlaybackRequiresUserAction={false}
        mediaCapturePermissionGrantType="grantIfSameHostElsePrompt"
        allowFileAccess={false}
        setSupportMultipleWindows={false}
        onMessage={(event: WebViewMessageEvent) => {
          const result = parseMessage(event.nativeEvent.data);
          if (result) {
            finish(result);
          }
        }}
        onNavigationStateChange={(state: WebViewNavigation) => track(state.url)}
        onShouldStartLoadWithRequest={(request) => {
          if (sameOrigin(request.url, target.url)) {
            return true;
          }
          // Links out of the flow (privacy notice, the partner's site) open in the browser.
          void Linking.openURL(request.url).catch(() => undefined);
          return false;
        }}
        onLoadEnd={(event) => {
          track(event.nativeEvent.url);
          if (!finished.current && !event.nativeEvent.loading) {
            setLoaded(true);
          }
        }}
        onError={(event) => {
          finish(connectionError('network_error', flow.current, event.nativeEvent.description));
        }}
      />
      {!loaded && (
        <View style={[StyleSheet.absoluteFill, styles.loading]} testID="gangway-loading">
          {loadingView ?? <ActivityIndicator size="large" />}
        </View>
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  fill: { flex: 1 },
  hidden: { opacity: 0 },
  loading: { alignItems: 'center', justifyContent: 'center', backgroundColor: '#ffffff' },
});
