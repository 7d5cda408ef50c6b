/**
 * EC2 API Reference, CreateLaunchTemplateVersion: a version made from `SourceVersion` inherits every
 * launch parameter of that version except those `LaunchTemplateData` names; `ClientToken` makes the
 * request idempotent (the same token returns the same version). ModifyLaunchTemplate
 * `DefaultVersion` sets the default version; an unknown template id is InvalidLaunchTemplateId.NotFound.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { failure, useEmulator } from './support';

const emulator = useEmulator();

describe('launch template versions', () => {
  it('inherits the source version’s parameters except those given, and one client token makes one version', async () => {
    const ec2 = new EC2Client(emulator.config('666666666666'));
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'inherit', LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaaa', InstanceType: 'm7g.large', UserData: 'ZWNobyBoaQ==' } }),
    );
    const id = created.LaunchTemplate!.LaunchTemplateId!;

    const request = { LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbbb' }, ClientToken: 'token-1' };
    const first = await ec2.send(new CreateLaunchTemplateVersionCommand(request));
    expect(first.LaunchTemplateVersion).toMatchObject({ VersionNumber: 2, LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbbb', InstanceType: 'm7g.large', UserData: 'ZWNobyBoaQ==' } });
    const again = await ec2.send(new CreateLaunchTemplateVersionCommand(request));
    expect(again.LaunchTemplateVersion?.VersionNumber).toBe(2);

    const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }));
    expect(versions.LaunchTemplateVersions?.map((v) => v.VersionNumber).sort()).toEqual([1, 2]);
    const latest = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Latest', '$Default'] }));
    expect(latest.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId])).toEqual([
      [2, false, 'ami-0bbbbbbbbbbbbbbbb'],
      [1, true, 'ami-0aaaaaaaaaaaaaaaa'],
    ]);

    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));
    const moved = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Default'] }));
    expect(moved.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(2);
  });

  it('answers InvalidLaunchTemplateId.NotFound for a template id that does not exist', async () => {
    const ec2 = new EC2Client(emulator.config('666666666666'));
    const error = await failure(ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0123456789abcdef0', Versions: ['$Latest'] })));
    expect(error.name).toBe('InvalidLaunchTemplateId.NotFound');
  });
});
