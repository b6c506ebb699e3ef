import React, { useCallback, useEffect, useRef, useState } from 'react';
import { Modal, Pressable, SafeAreaView, StyleSheet, Text, View } from 'react-native';

import { canceledByUser, flowFromUrl, type GangwayResult } from './contract';
import { GangwayFlow } from './GangwayFlow';

export interface GangwayConfig {
  /** Your partner SDK public key (`pk_…`). */
  publicKey: string;
  /** Gangway's public URL, e.g. `https://onboarding.example.com`. */
  baseUrl: string;
  /** How long the first page may take to load (default 30 s). */
  loadTimeoutMs?: number;
}

interface Launch {
  token: string;
  config: GangwayConfig;
  resolve: (result: GangwayResult) => void;
}

let config: GangwayConfig | null = null;
let present: ((launch: Launch) => void) | null = null;
let busy = false;

export const Gangway = {
  /** Set the public key and base URL once, e.g. at app start. */
  configure(value: GangwayConfig): void {
    config = { ...value };
  },

  /**
   * Presents the flow modally (inside `<GangwayProvider>`) and resolves with its result once the
   * modal has closed. Rejects only for programming errors: no `configure`, no provider, or a flow
   * already open.
   */
  launch(token: string): Promise<GangwayResult> {
    if (config === null) {
      return Promise.reject(new Error('Gangway.configure({publicKey, baseUrl}) was not called.'));
    }
    if (present === null) {
      return Promise.reject(new Error('Render <GangwayProvider> around your app to launch flows.'));
    }
    if (busy) {
      return Promise.reject(new Error('A Gangway flow is already open.'));
    }
    busy = true;
    const show = present;
    const current = config;
    return new Promise<GangwayResult>((resolve) => {
      show({
        token,
        config: current,
        resolve: (result) => {
          busy = false;
          resolve(result);
        },
      });
    });
  },
};

/** For tests: forget the configuration. */
export function resetGangwayForTests(): void {
  config = null;
  busy = false;
}

export interface GangwayProviderProps {
  children?: React.ReactNode;
  /** The close button's label (default "Close"). */
  closeLabel?: string;
}

/** Hosts the modal `Gangway.launch` presents. Render it once, near the root of your app. */
export function GangwayProvider({
  children,
  closeLabel = 'Close',
}: GangwayProviderProps): React.ReactElement {
  const [launch, setLaunch] = useState<Launch | null>(null);
  const [flow, setFlow] = useState<string | null>(null);
  const open = useRef<Launch | null>(null);

  useEffect(() => {
    if (present !== null) {
      console.warn('Gangway: more than one <GangwayProvider>; the last one mounted is used.');
    }
    const mine = (next: Launch) => {
      open.current = next;
      setFlow(null);
      setLaunch(next);
    };
    present = mine;
    return () => {
      if (present === mine) {
        present = null;
      }
    };
  }, []);

  const close = useCallback((result: GangwayResult) => {
    const current = open.current;
    open.current = null;
    setLaunch(null);
    current?.resolve(result);
  }, []);

  const dismiss = useCallback(() => close(canceledByUser(flow)), [close, flow]);

  return (
    <>
      {children}
      <Modal
        testID="gangway-modal"
        visible={launch !== null}
        animationType="slide"
        presentationStyle="pageSheet"
        onRequestClose={dismiss}
      >
        {launch !== null && (
          <SafeAreaView style={styles.fill}>
            <View style={styles.bar}>
              <Pressable
                accessibilityRole="button"
                onPress={dismiss}
                hitSlop={12}
                testID="gangway-close"
              >
                <Text style={styles.close}>{closeLabel}</Text>
              </Pressable>
            </View>
            <GangwayFlow
              token={launch.token}
              publicKey={launch.config.publicKey}
              baseUrl={launch.config.baseUrl}
              loadTimeoutMs={launch.config.loadTimeoutMs}
              onResult={close}
              handleBackButton={false}
              onUrl={(url) => setFlow((known) => flowFromUrl(url) ?? known)}
            />
          </SafeAreaView>
        )}
      </Modal>
    </>
  );
}

const styles = StyleSheet.create({
  fill: { flex: 1, backgroundColor: '#ffffff' },
  bar: { flexDirection: 'row', justifyContent: 'flex-end', paddingHorizontal: 16, paddingVertical: 8 },
  close: { fontSize: 16, color: '#1f4fd1' },
});
