// @ts-check
/** What `@smithy/core/event-streams` resolves to in amiwarden's Lambda bundles (see ./lambda-only.js). */
const unavailable = () => {
  throw new Error('amiwarden Lambda bundles leave out event streams (bundling/lambda-only.js): no operation they call has one');
};

export const eventStreamSerdeProvider = unavailable;
export class EventStreamSerde {
  constructor() {
    unavailable();
  }
}
