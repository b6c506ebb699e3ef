export { Gangway, GangwayProvider, type GangwayConfig, type GangwayProviderProps } from './Gangway';
export { GangwayFlow, DEFAULT_LOAD_TIMEOUT_MS, type GangwayFlowProps } from './GangwayFlow';
export {
  flowUrl,
  parseMessage,
  parseMessageObject,
  type GangwayError,
  type GangwayErrorDomain,
  type GangwayFlowKind,
  type GangwayPlatform,
  type GangwayResult,
  type GangwayStatus,
} from './contract';
