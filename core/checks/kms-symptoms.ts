/**
 * The status messages that may be a KMS failure. Mirrors events/launch-failure.pattern.json (a
 * test keeps the two in step): `Client.InternalError` is only a symptom, so it starts a diagnosis.
 */
const KMS_SUGGESTIVE = [/Client\.InternalError/, /Client\.InvalidKMSKey/, /inaccessible AWS KMS key/, /not authorized to perform: kms:/];

export function looksLikeKmsFailure(statusMessage: string): boolean {
  return KMS_SUGGESTIVE.some((re) => re.test(statusMessage));
}
