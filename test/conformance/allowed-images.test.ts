/**
 * EC2 API Reference, GetAllowedImagesSettings / EnableAllowedImagesSettings /
 * ReplaceImageCriteriaInAllowedImagesSettings / DisableAllowedImagesSettings ("Allowed AMIs",
 * per account and Region). moto 5.2.1 has none of them.
 */
import {
  DisableAllowedImagesSettingsCommand,
  EC2Client,
  EnableAllowedImagesSettingsCommand,
  GetAllowedImagesSettingsCommand,
  ReplaceImageCriteriaInAllowedImagesSettingsCommand,
} from '@aws-sdk/client-ec2';
import { useEmulator } from './support';

const emulator = useEmulator();

describe('Allowed AMIs settings of an account and Region', () => {
  it('are disabled with no criteria until enabled; criteria and state round-trip; managed by the account', async () => {
    const ec2 = new EC2Client(emulator.config('555555555555'));

    expect(await ec2.send(new GetAllowedImagesSettingsCommand({}))).toMatchObject({ State: 'disabled', ManagedBy: 'account' });

    await ec2.send(new ReplaceImageCriteriaInAllowedImagesSettingsCommand({ ImageCriteria: [{ ImageProviders: ['amazon', '999999999999'] }] }));
    expect((await ec2.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'audit-mode' }))).AllowedImagesSettingsState).toBe('audit-mode');
    const audit = await ec2.send(new GetAllowedImagesSettingsCommand({}));
    expect(audit).toMatchObject({ State: 'audit-mode', ManagedBy: 'account', ImageCriteria: [{ ImageProviders: ['amazon', '999999999999'] }] });

    await ec2.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'enabled' }));
    expect((await ec2.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('enabled');

    expect((await ec2.send(new DisableAllowedImagesSettingsCommand({}))).AllowedImagesSettingsState).toBe('disabled');
    expect((await ec2.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('disabled');
  });

  it('are kept per account and Region', async () => {
    const a = new EC2Client(emulator.config('555555555555'));
    const b = new EC2Client(emulator.config('666666666666'));
    const other = new EC2Client({ ...emulator.config('555555555555'), region: 'eu-west-1' });

    await a.send(new EnableAllowedImagesSettingsCommand({ AllowedImagesSettingsState: 'enabled' }));

    expect((await a.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('enabled');
    expect((await b.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('disabled');
    expect((await other.send(new GetAllowedImagesSettingsCommand({}))).State).toBe('disabled');
  });
});
