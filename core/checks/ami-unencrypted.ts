import { classificationCheck } from './central-image';

/** A central image with unencrypted volumes: copied with the organization key. */
export const amiUnencrypted = classificationCheck('ami-unencrypted', 'unencrypted', 'medium', 'A central AMI has unencrypted volumes');
