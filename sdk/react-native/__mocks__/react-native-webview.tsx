// The native web view is the boundary: the mock renders a View and hands its props to the tests.
import React from 'react';
import { View } from 'react-native';

export const rendered: { props: Record<string, any> | null; count: number } = {
  props: null,
  count: 0,
};

export function WebView(props: Record<string, any>): React.ReactElement {
  rendered.props = props;
  rendered.count += 1;
  return <View testID={props.testID} style={props.style} />;
}

export default WebView;
