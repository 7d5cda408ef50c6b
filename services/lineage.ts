/**
 * An image's lineage as EC2 reports it: GetImageAncestry (the image, then each image it was made
 * from, back to the root), where EC2 offers it; elsewhere the same chain followed through
 * DescribeImages' SourceImageId / SourceImageRegion. Never a tag or a description: both are anyone's
 * to write. Documented in docs/image-pointers.md ("Lineage without tags").
 */
import { EC2, type AncestryEntry, type ImageDetail } from '../adapters/ec2';
import { AwsCallError } from '../core/errors';
import type { AwsContext } from './aws-context';

/** A chain longer than this is cut: lineage is for reading, and a copy of a copy rarely goes far. */
export const MAX_ANCESTRY = 16;

export interface Lineage {
  /** Who said: EC2's ancestry call, or DescribeImages followed by amiwarden. */
  from: 'GetImageAncestry' | 'DescribeImages';
  /** The image first, its root last (a root has no sourceImageId). */
  chain: AncestryEntry[];
}

export async function imageLineage(image: ImageDetail, region: string, aws: AwsContext): Promise<Lineage> {
  // Lineage is reported, not acted on: an answer EC2 refuses for any reason of its own (beyond the
  // adapter's absent-or-denied codes) falls back too; a throttle is retried by the state machine.
  const ancestry = await aws
    .central(EC2, region)
    .imageAncestry(image.imageId)
    .catch((error: unknown) => {
      if (error instanceof AwsCallError) return null;
      throw error;
    });
  if (ancestry && ancestry.length > 0) return { from: 'GetImageAncestry', chain: ancestry.slice(0, MAX_ANCESTRY) };
  const chain: AncestryEntry[] = [];
  let current: ImageDetail | undefined = image;
  let at = region;
  while (current && chain.length < MAX_ANCESTRY && !chain.some((e) => e.imageId === current!.imageId)) {
    chain.push({
      imageId: current.imageId,
      ...(current.sourceImageId ? { sourceImageId: current.sourceImageId, sourceImageRegion: current.sourceImageRegion ?? at } : {}),
      ...(current.creationDate ? { creationDate: current.creationDate } : {}),
    });
    if (!current.sourceImageId) break;
    at = current.sourceImageRegion ?? at;
    current = await aws.central(EC2, at).describeImage(current.sourceImageId);
  }
  return { from: 'DescribeImages', chain };
}

/**
 * When what an image holds was built: the creation of the root of its lineage (for a copy, of a
 * copy, …, the build it came from). A root EC2 no longer shows counts from the oldest image it does.
 */
export function builtAtOf(lineage: Lineage, image: ImageDetail): string | undefined {
  const dated = lineage.chain.filter((e) => e.creationDate);
  return dated[dated.length - 1]?.creationDate ?? image.creationDate;
}
