import { classificationCheck } from './central-image';

/** A central image on aws/ebs cannot be shared: copied with the organization key, and the copy shared. */
export const amiAwsManagedKey = classificationCheck('ami-aws-managed-key', 'aws-managed-key', 'high', 'A central AMI is encrypted with the AWS managed key (aws/ebs) and cannot be shared');
