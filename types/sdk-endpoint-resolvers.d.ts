/** Each SDK client's endpoint rules, as its own runtime configuration reads them (bundling/aws-lite). */
declare module '@aws-sdk/*/dist-es/endpoint/endpointResolver' {
  import type { EndpointV2, Logger } from '@smithy/types';
  export const defaultEndpointResolver: (params: Record<string, unknown>, context?: { logger?: Logger }) => EndpointV2;
}
