/**
 * Systems Manager Parameter Store: the image pointers, one `aws:ec2:image` parameter per image
 * family and region in the central account (advanced tier, so that RAM can share it).
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { call, hasCode, type ClientSettings } from './aws';

export interface ParameterView {
  name: string;
  value: string;
  version: number;
  arn?: string;
  dataType?: string;
}

export class SsmAdapter {
  constructor(private readonly client: SSMClient) {}

  /** The parameter by name or ARN; undefined when it does not exist (or is not shared with the caller). */
  async getParameter(name: string): Promise<ParameterView | undefined> {
    try {
      const out = await call('ssm:GetParameter', () => this.client.send(new GetParameterCommand({ Name: name })));
      const p = out.Parameter;
      if (!p?.Value) return undefined;
      return { name: p.Name ?? name, value: p.Value, version: p.Version ?? 0, ...(p.ARN ? { arn: p.ARN } : {}), ...(p.DataType ? { dataType: p.DataType } : {}) };
    } catch (error) {
      if (hasCode(error, 'ParameterNotFound')) return undefined;
      throw error;
    }
  }

  /**
   * Creates or overwrites an image pointer: data type `aws:ec2:image` (SSM checks that the value is
   * an available AMI of the account — asynchronously: a 200 does not mean the value was kept) and
   * the advanced tier (only advanced parameters can be shared).
   */
  async putImagePointer(name: string, imageId: string, description: string): Promise<number> {
    const out = await call('ssm:PutParameter', () =>
      this.client.send(
        new PutParameterCommand({ Name: name, Value: imageId, Type: 'String', DataType: 'aws:ec2:image', Tier: 'Advanced', Overwrite: true, Description: description.slice(0, 1024) }),
      ),
    );
    return out.Version ?? 0;
  }
}

export const SSM = (settings: ClientSettings) => new SsmAdapter(new SSMClient(settings));
