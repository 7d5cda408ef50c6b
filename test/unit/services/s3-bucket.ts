/**
 * A report bucket for the S3 mock (aws-sdk-client-mock): PutObject and multipart uploads keep what
 * is written, as S3 keeps it (a part under 5 MiB but the last is refused on completion, as S3's
 * EntityTooSmall), and each call is noted in order (`Operation key`).
 */
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type S3ClientResolvedConfig, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import { PART_BYTES } from '../../../adapters/s3';

export async function bytesOf(body: unknown): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks as unknown as Uint8Array[]);
}

/** Installs the writes on `s3` (call after each reset); `objects` and `calls` fill as the code under test writes. */
export function keepWrites(s3: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>, bucket: string, objects: Map<string, Buffer>, calls: string[], options: { partDelayMs?: number } = {}): void {
  const uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: unknown }) => {
    calls.push(`PutObject ${input.Key}`);
    objects.set(input.Key, await bytesOf(input.Body));
    return { ETag: '"x"' };
  });
  s3.on(CreateMultipartUploadCommand).callsFake(async (input: { Key: string }) => {
    calls.push(`CreateMultipartUpload ${input.Key}`);
    const id = `upload-${uploads.size + 1}`;
    uploads.set(id, { key: input.Key, parts: new Map() });
    return { Bucket: bucket, Key: input.Key, UploadId: id };
  });
  s3.on(UploadPartCommand).callsFake(async (input: { Key: string; UploadId: string; PartNumber: number; Body: unknown }) => {
    calls.push(`UploadPart ${input.Key}`);
    uploads.get(input.UploadId)!.parts.set(input.PartNumber, await bytesOf(input.Body));
    if (options.partDelayMs) await new Promise((resolve) => setTimeout(resolve, options.partDelayMs));
    return { ETag: `"part-${input.PartNumber}"` };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake(async (input: { Key: string; UploadId: string; MultipartUpload: { Parts: { PartNumber: number }[] } }) => {
    calls.push(`CompleteMultipartUpload ${input.Key}`);
    const upload = uploads.get(input.UploadId)!;
    const parts = input.MultipartUpload.Parts.map((p) => upload.parts.get(p.PartNumber)!);
    if (parts.slice(0, -1).some((p) => p.length < PART_BYTES)) throw new Error('EntityTooSmall');
    objects.set(upload.key, Buffer.concat(parts as unknown as Uint8Array[]));
    return { Bucket: bucket, Key: upload.key, ETag: '"done"' };
  });
  s3.on(AbortMultipartUploadCommand).callsFake(async (input: { Key: string }) => {
    calls.push(`AbortMultipartUpload ${input.Key}`);
    return {};
  });
}
