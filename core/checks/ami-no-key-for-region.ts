import { classificationCheck } from './central-image';

/** A central image in a Region with no configured organization key: nothing to copy it with. */
export const amiNoKeyForRegion = classificationCheck('ami-no-key-for-region', 'no-key-for-region', 'medium', 'A central AMI is in a Region with no configured organization key');
