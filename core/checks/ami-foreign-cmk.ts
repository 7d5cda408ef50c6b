import { classificationCheck } from './central-image';

/** A central image on a customer key that is not the organization key: copied with the organization key. */
export const amiForeignCmk = classificationCheck('ami-foreign-cmk', 'foreign-cmk', 'medium', 'A central AMI is on a customer key that is not the organization key');
