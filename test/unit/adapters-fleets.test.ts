/**
 * adapters/fleets.ts on DescribeSpotFleetRequests / DescribeFleets outputs in the EC2 API
 * Reference's shapes: which images a fleet launches (launch specifications, launch templates, the
 * `ImageId` overrides that replace a template's image), and which fleets the sweep looks at.
 */
import { DescribeFleetsCommand, DescribeSpotFleetRequestsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describeFleet, describeSpotFleetRequest, launchingFleets, toFleetView, toSpotFleetView } from '../../adapters/fleets';

const TEMPLATE = { LaunchTemplateId: 'lt-0f4a39147cc7881b9', Version: '$Default' };

describe('fleet views', () => {
  it('a Spot Fleet launches the images of its launch specifications', () => {
    const view = toSpotFleetView('sfr-38725d30-25f1-4f30-83ce-2907c56dba17', 'active', {
      IamFleetRole: 'arn:aws:iam::111111111111:role/aws-ec2-spot-fleet-tagging-role',
      TargetCapacity: 2,
      Type: 'request',
      LaunchSpecifications: [
        { ImageId: 'ami-0a1b2c3d4e5f60718', InstanceType: 'c5.large' },
        { ImageId: 'ami-0a1b2c3d4e5f60718', InstanceType: 'm5.large' },
      ],
    });
    expect(view).toEqual({ kind: 'spot-fleet', id: 'sfr-38725d30-25f1-4f30-83ce-2907c56dba17', state: 'active', type: 'request', imageIds: ['ami-0a1b2c3d4e5f60718'], launchTemplates: [] });
  });

  it('a template’s own image is launched unless every override of its configuration names an image', () => {
    const view = toFleetView({
      FleetId: 'fleet-9bb19bc6-60d3-4fd2-ae47-d33e68eafa08',
      FleetState: 'active',
      Type: 'maintain',
      LaunchTemplateConfigs: [
        { LaunchTemplateSpecification: TEMPLATE, Overrides: [{ InstanceType: 'c5.large', ImageId: 'ami-0123456789abcdef0' }] },
        { LaunchTemplateSpecification: { LaunchTemplateName: 'workers', Version: '3' }, Overrides: [{ InstanceType: 'm5.large' }, { InstanceType: 'r5.large', ImageId: 'ami-0fedcba9876543210' }] },
        { LaunchTemplateSpecification: { LaunchTemplateName: 'plain' } },
      ],
    });
    expect(view.imageIds).toEqual(['ami-0123456789abcdef0', 'ami-0fedcba9876543210']);
    expect(view.launchTemplates).toEqual([{ launchTemplateName: 'workers', version: '3' }, { launchTemplateName: 'plain' }]);
  });
});

describe('reading fleets', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  const client = () => new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });

  it('names a fleet EC2 does not know as not found (its NotFound error, or an empty answer)', async () => {
    ec2.on(DescribeSpotFleetRequestsCommand).rejects(Object.assign(new Error('The spot fleet request ID does not exist'), { name: 'InvalidSpotFleetRequestId.NotFound', $metadata: { httpStatusCode: 400 } }));
    ec2.on(DescribeFleetsCommand).resolves({ Fleets: [] });
    expect(await describeSpotFleetRequest(client(), 'sfr-38725d30-25f1-4f30-83ce-2907c56dba17')).toBeUndefined();
    expect(await describeFleet(client(), 'fleet-9bb19bc6-60d3-4fd2-ae47-d33e68eafa08')).toBeUndefined();
  });

  it('lists every page of both kinds, and keeps only fleets that still launch and are not instant', async () => {
    ec2
      .on(DescribeSpotFleetRequestsCommand)
      .resolvesOnce({
        NextToken: 'page-2',
        SpotFleetRequestConfigs: [{ SpotFleetRequestId: 'sfr-aaaaaaaa-0000-4000-8000-000000000001', SpotFleetRequestState: 'active', SpotFleetRequestConfig: { IamFleetRole: 'r', TargetCapacity: 1, LaunchSpecifications: [{ ImageId: 'ami-0a1b2c3d4e5f60718' }] } }],
      })
      .resolvesOnce({
        SpotFleetRequestConfigs: [{ SpotFleetRequestId: 'sfr-aaaaaaaa-0000-4000-8000-000000000002', SpotFleetRequestState: 'cancelled_terminating', SpotFleetRequestConfig: { IamFleetRole: 'r', TargetCapacity: 1 } }],
      });
    ec2.on(DescribeFleetsCommand).resolves({
      Fleets: [
        { FleetId: 'fleet-aaaaaaaa-0000-4000-8000-000000000003', FleetState: 'modifying', Type: 'maintain', LaunchTemplateConfigs: [{ LaunchTemplateSpecification: TEMPLATE }] },
        { FleetId: 'fleet-aaaaaaaa-0000-4000-8000-000000000004', FleetState: 'active', Type: 'instant', LaunchTemplateConfigs: [{ LaunchTemplateSpecification: TEMPLATE }] },
        { FleetId: 'fleet-aaaaaaaa-0000-4000-8000-000000000005', FleetState: 'deleted', Type: 'request', LaunchTemplateConfigs: [{ LaunchTemplateSpecification: TEMPLATE }] },
      ],
    });

    const fleets = await launchingFleets(client());

    expect(fleets.map((f) => f.id)).toEqual(['sfr-aaaaaaaa-0000-4000-8000-000000000001', 'fleet-aaaaaaaa-0000-4000-8000-000000000003']);
    expect(ec2.commandCalls(DescribeSpotFleetRequestsCommand).map((c) => c.args[0].input)).toEqual([{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'page-2' }]);
  });
});
